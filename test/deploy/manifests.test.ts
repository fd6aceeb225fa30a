/**
 * The Kubernetes manifests in deploy/kubernetes/, validated against the Kubernetes API's own OpenAPI schemas
 * (the `kubernetes-models` package, generated from them), and checked for the wiring a swarm depends on:
 * the headless Service names the bootstrap pods, selectors match the pods, the token comes from a Secret.
 */
import { readdirSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { StatefulSet } from 'kubernetes-models/apps/v1'
import { PodDisruptionBudget } from 'kubernetes-models/policy/v1'
import { Namespace, Service } from 'kubernetes-models/v1'
import { describe, expect, it } from 'vitest'
import { parseAllDocuments } from 'yaml'

const DIR = join(import.meta.dirname, '..', '..', 'deploy', 'kubernetes')

interface Validatable { validate(): void }
type Model = new (data: any) => Validatable

/** Every kind the manifests may use, with the schema-backed model that validates it. */
const MODELS: Record<string, Model> = {
  'v1/Namespace': Namespace,
  'v1/Service': Service,
  'apps/v1/StatefulSet': StatefulSet,
  'policy/v1/PodDisruptionBudget': PodDisruptionBudget
}

interface Manifest { file: string, doc: any }

function load (file: string): any[] {
  const docs = parseAllDocuments(readFileSync(join(DIR, file), 'utf8'))
  for (const d of docs) {
    if (d.errors.length > 0) throw new Error(`${file}: ${d.errors[0].message}`)
  }
  return docs.map(d => d.toJS()).filter(d => d != null)
}

const kustomization = load('kustomization.yaml')[0]
const manifests: Manifest[] = (kustomization.resources as string[]).flatMap(file => load(file).map(doc => ({ file, doc })))
const find = (kind: string, name: string): any => manifests.find(m => m.doc.kind === kind && m.doc.metadata?.name === name)?.doc

function validate (doc: any): void {
  const Model = MODELS[`${doc.apiVersion}/${doc.kind}`]
  if (Model == null) throw new Error(`no schema model for ${doc.apiVersion} ${doc.kind}: add it to MODELS`)
  new Model(doc).validate()
}

describe('deploy/kubernetes manifests', () => {
  it('lists every manifest of the folder in the kustomization, and nothing missing', () => {
    const files = readdirSync(DIR).filter(f => f.endsWith('.yaml') && f !== 'kustomization.yaml').sort()
    expect([...kustomization.resources].sort()).toEqual(files)
    expect(kustomization.kind).toBe('Kustomization')
    expect(kustomization.apiVersion).toBe('kustomize.config.k8s.io/v1beta1')
  })

  it.each(manifests.map(m => [`${m.file}: ${m.doc.kind} ${m.doc.metadata?.name}`, m]))('%s is valid against the Kubernetes schema', (_name, m) => {
    expect(() => { validate((m as Manifest).doc) }).not.toThrow()
  })

  it('rejects manifests that break the schema (the validator is not a no-op)', () => {
    const sts = structuredClone(find('StatefulSet', 'gossipd'))
    expect(() => { validate({ ...sts, spec: { ...sts.spec, replicas: 'three' } }) }).toThrow(/replicas/)
    const noSelector = structuredClone(sts)
    delete noSelector.spec.selector
    expect(() => { validate(noSelector) }).toThrow(/selector/)
    expect(() => { validate({ ...sts, spec: { ...sts.spec, podManagementPolicy: 'AllAtOnce' } }) }).toThrow(/podManagementPolicy/)
    const svc = structuredClone(find('Service', 'gossipd-peers'))
    svc.spec.ports[0].port = 'p2p'
    expect(() => { validate(svc) }).toThrow(/port/)
  })

  it('gives the pods stable identities: a StatefulSet on a headless Service, with a volume for /data', () => {
    const sts = find('StatefulSet', 'gossipd')
    const peers = find('Service', sts.spec.serviceName)
    expect(peers, `Service ${sts.spec.serviceName} named by serviceName`).toBeDefined()
    expect(peers.spec.clusterIP).toBe('None')
    // nodes must resolve the bootstrap pods before any is ready (ready = has a peer)
    expect(peers.spec.publishNotReadyAddresses).toBe(true)
    const container = sts.spec.template.spec.containers[0]
    const mount = container.volumeMounts.find((v: any) => v.mountPath === '/data')
    expect(sts.spec.volumeClaimTemplates.map((v: any) => v.metadata.name)).toContain(mount.name)
  })

  it('selects the StatefulSet\'s pods from both Services and the disruption budget', () => {
    const labels = find('StatefulSet', 'gossipd').spec.template.metadata.labels
    const selects = (selector: Record<string, string>): boolean => Object.entries(selector).every(([k, v]) => labels[k] === v)
    expect(selects(find('StatefulSet', 'gossipd').spec.selector.matchLabels)).toBe(true)
    expect(selects(find('Service', 'gossipd-peers').spec.selector)).toBe(true)
    expect(selects(find('Service', 'gossipd-api').spec.selector)).toBe(true)
    expect(selects(find('PodDisruptionBudget', 'gossipd').spec.selector.matchLabels)).toBe(true)
  })

  it('bootstraps from pods of this StatefulSet by their headless-Service DNS names, on the p2p port', () => {
    const sts = find('StatefulSet', 'gossipd')
    const container = sts.spec.template.spec.containers[0]
    const env = Object.fromEntries(container.env.map((e: any) => [e.name, e]))
    const p2p = container.ports.find((p: any) => p.name === 'p2p').containerPort
    const addrs: string[] = env.GOSSIPD_BOOTSTRAP.value.split(',')
    expect(addrs.length).toBeGreaterThan(0)
    for (const addr of addrs) {
      const m = /^\/dns4\/([a-z0-9-]+)-(\d+)\.([a-z0-9-]+)\/tcp\/(\d+)$/.exec(addr)
      expect(m, addr).not.toBeNull()
      expect(m?.[1]).toBe(sts.metadata.name)
      expect(Number(m?.[2])).toBeLessThan(sts.spec.replicas)
      expect(m?.[3]).toBe(sts.spec.serviceName)
      expect(Number(m?.[4])).toBe(p2p)
    }
    expect(env.GOSSIPD_LISTEN.value).toBe(`/ip4/0.0.0.0/tcp/${p2p}`)
  })

  it('binds the API beyond loopback only with a token from a Secret, and probes /health without one', () => {
    const container = find('StatefulSet', 'gossipd').spec.template.spec.containers[0]
    const env = Object.fromEntries(container.env.map((e: any) => [e.name, e]))
    expect(env.GOSSIPD_API.value).toMatch(/^0\.0\.0\.0:\d+$/)
    expect(env.GOSSIPD_API_TOKEN.value).toBeUndefined()
    expect(env.GOSSIPD_API_TOKEN.valueFrom.secretKeyRef).toMatchObject({ name: 'gossipd-api-token', key: 'token' })
    expect(container.livenessProbe.httpGet.path).toBe('/health')
    const api = container.ports.find((p: any) => p.name === 'api')
    expect(Number(env.GOSSIPD_API.value.split(':')[1])).toBe(api.containerPort)
    expect(find('Service', 'gossipd-api').spec.ports[0].targetPort).toBe('api')
  })

  it('runs as the image\'s non-root user with a memory limit', () => {
    const pod = find('StatefulSet', 'gossipd').spec.template.spec
    const dockerfile = readFileSync(join(DIR, '..', '..', 'Dockerfile'), 'utf8')
    const uid = /useradd [^\n]*--uid (\d+)/.exec(dockerfile)?.[1]
    expect(pod.securityContext.runAsNonRoot).toBe(true)
    expect(String(pod.securityContext.runAsUser)).toBe(uid)
    expect(pod.containers[0].resources.limits.memory).toBeDefined()
  })
})

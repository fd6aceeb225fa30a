import { Type, type Static } from '@sinclair/typebox'

export const FileIdParam = Type.Object({
  id: Type.String({ minLength: 1, maxLength: 256, description: 'file id: the CID of the file\'s manifest' })
})

export const FileEntrySchema = Type.Object({
  id: Type.String(),
  name: Type.String({ description: 'a label, never a path' }),
  size: Type.Integer(),
  chunks: Type.Integer(),
  chunkSize: Type.Integer(),
  hash: Type.String({ description: 'SHA-256 of the content, hex' }),
  origin: Type.Union([Type.Literal('upload'), Type.Literal('download')]),
  addedAt: Type.String({ format: 'date-time' })
})

export const FilesResponse = Type.Object({ files: Type.Array(FileEntrySchema) })

export const UploadQuery = Type.Object({
  name: Type.String({ minLength: 1, maxLength: 1024, description: 'the file\'s name: a label, refused with 400 if it looks like a path' })
})

export const ListQuery = Type.Object({
  q: Type.Optional(Type.String({ maxLength: 256, description: 'only names containing this (case-insensitive)' }))
})

export const ProvidersQuery = Type.Object({
  timeoutMs: Type.Optional(Type.Integer({ minimum: 100, maximum: 120_000, description: 'lookup deadline' }))
})

export const ProvidersResponse = Type.Object({
  id: Type.String(),
  providers: Type.Array(Type.Object({ peerId: Type.String(), multiaddrs: Type.Array(Type.String()) }))
})

export const DownloadBody = Type.Object({
  from: Type.Optional(Type.Array(Type.String({ minLength: 1, maxLength: 256 }), { maxItems: 64, description: 'peers to fetch from besides those the DHT names' }))
}, { additionalProperties: false })
export type DownloadBodyType = Static<typeof DownloadBody>

export const DownloadStatusSchema = Type.Object({
  id: Type.String({ description: 'job id' }),
  fileId: Type.String(),
  state: Type.Union([Type.Literal('pending'), Type.Literal('running'), Type.Literal('completed'), Type.Literal('failed'), Type.Literal('cancelled')]),
  name: Type.Union([Type.String(), Type.Null()], { description: 'null until the manifest is in' }),
  size: Type.Union([Type.Integer(), Type.Null()]),
  chunks: Type.Union([Type.Integer(), Type.Null()]),
  chunksDone: Type.Integer(),
  bytesDone: Type.Integer(),
  rate: Type.Number({ description: 'bytes per second over the last few seconds' }),
  providers: Type.Array(Type.Object({
    peerId: Type.String(),
    chunks: Type.Integer(),
    bytes: Type.Integer(),
    failures: Type.Integer(),
    state: Type.Union([Type.Literal('active'), Type.Literal('dropped')])
  })),
  from: Type.Array(Type.String()),
  error: Type.Union([Type.String(), Type.Null()]),
  createdAt: Type.String({ format: 'date-time' }),
  updatedAt: Type.String({ format: 'date-time' }),
  finishedAt: Type.Union([Type.String({ format: 'date-time' }), Type.Null()])
})

export const DownloadsResponse = Type.Object({ downloads: Type.Array(DownloadStatusSchema) })

export const JobParam = Type.Object({ job: Type.String({ minLength: 1, maxLength: 64 }) })

export const IndexEntrySchema = Type.Object({ id: Type.String(), name: Type.String(), size: Type.Integer() })

export const PeerFilesResponse = Type.Object({ peerId: Type.String(), files: Type.Array(IndexEntrySchema) })

export const SearchQuery = Type.Object({
  q: Type.String({ minLength: 1, maxLength: 256, description: 'substring of the name (case-insensitive)' })
})

export const SearchResponse = Type.Object({
  q: Type.String(),
  results: Type.Array(Type.Object({ id: Type.String(), name: Type.String(), size: Type.Integer(), peers: Type.Array(Type.String()) })),
  asked: Type.Integer({ description: 'connected peers asked' }),
  failed: Type.Array(Type.String(), { description: 'peers that did not answer in time' })
})

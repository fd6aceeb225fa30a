import { Type, type Static } from '@sinclair/typebox'

export const ErrorBody = Type.Object({
  error: Type.Object({
    code: Type.String({ description: 'stable machine-readable code, e.g. invalid-peer-id' }),
    message: Type.String({ description: 'what was wrong, naming the field or value' })
  })
}, { $id: 'ErrorBody' })
export type ErrorBodyType = Static<typeof ErrorBody>

/** Error responses every route may give; routes add their own success shapes. */
export const errorResponses = {
  400: ErrorBody,
  401: ErrorBody,
  404: ErrorBody,
  413: ErrorBody
}

export const PeerIdParam = Type.Object({
  peerId: Type.String({ minLength: 1, maxLength: 256, description: 'a peer id (base58btc or CID form)' })
})
export type PeerIdParamType = Static<typeof PeerIdParam>

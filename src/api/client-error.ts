/**
 * How a client of the HTTP API reads a failed answer, shared by the CLI (src/cli/client.ts) and the dashboard
 * (ui/src/api.ts). The API answers every failure with `{"error": {"code", "message"}}` (`ErrorBody` in
 * schemas/common.ts); any other body (empty, a proxy's HTML page) still gives a code and a message.
 * This file imports nothing, so the dashboard can bundle it.
 */

/** A request to the API failed: `status` is the HTTP status (0 when the API could not be reached). */
export class ApiClientError extends Error {
  static override name = 'ApiClientError'
  constructor (readonly status: number, readonly code: string, message: string) {
    super(message)
    this.name = ApiClientError.name
  }
}

/** Whether `err` is an `ApiClientError` (by name, so it holds across bundled copies), optionally with `status`. */
export function isApiClientError (err: unknown, status?: number): err is ApiClientError {
  return err instanceof Error && err.name === ApiClientError.name && (status == null || (err as ApiClientError).status === status)
}

/** The error for an answer with HTTP `status`, its body as text and its status text. */
export function apiClientError (status: number, body: string, statusText = ''): ApiClientError {
  let error: { code?: unknown, message?: unknown } | undefined
  try {
    error = (JSON.parse(body) as { error?: { code?: unknown, message?: unknown } } | null)?.error
  } catch {
    // not a JSON body: the status says what there is to say
  }
  return new ApiClientError(
    status,
    typeof error?.code === 'string' ? error.code : `http-${status}`,
    typeof error?.message === 'string' ? error.message : `HTTP ${status}${statusText !== '' ? ` ${statusText}` : ''}`
  )
}

/** The error for a fetch `Response` that is not ok; reads its body. */
export async function apiClientErrorOf (res: Response): Promise<ApiClientError> {
  return apiClientError(res.status, await res.text().catch(() => ''), res.statusText)
}

// Responses and errors shaped like Daytona's: the API (NestJS) and the daemon (toolbox) both answer
// errors as {statusCode, message, code, source}, which the SDK maps to its error classes.

import { SandboxFileError } from "../../src/sandbox.ts";

/** Who answers an error: the API or a sandbox's daemon. */
export type ErrorSource = "DAYTONA_API" | "DAYTONA_DAEMON";

/** The JSON body of a Daytona error. */
export interface ErrorBody {
  statusCode: number;
  message: string;
  code: string;
  source: ErrorSource;
}

/** Thrown by route handlers; the server turns it into an error response. */
export class HttpError extends Error {
  readonly status: number;
  readonly code: string;
  readonly source: ErrorSource;
  readonly headers: Record<string, string>;

  constructor(
    status: number,
    code: string,
    message: string,
    source: ErrorSource,
    headers: Record<string, string> = {},
  ) {
    super(message);
    this.name = "HttpError";
    this.status = status;
    this.code = code;
    this.source = source;
    this.headers = headers;
  }

  get body(): ErrorBody {
    return { statusCode: this.status, message: this.message, code: this.code, source: this.source };
  }

  toResponse(): Response {
    return json(this.body, this.status, this.headers);
  }
}

/** A JSON response. */
export function json(body: unknown, status = 200, headers: Record<string, string> = {}): Response {
  return new Response(JSON.stringify(body), {
    status,
    headers: { "content-type": "application/json; charset=utf-8", ...headers },
  });
}

/** The daemon's error for a failed file operation of the local sandbox (or any other failure). */
export function daemonError(error: unknown): HttpError {
  if (error instanceof HttpError) return error;
  const message = error instanceof Error ? error.message : String(error);
  const source = "DAYTONA_DAEMON";
  if (error instanceof SandboxFileError) {
    switch (error.code) {
      case "not_found":
        return new HttpError(404, "FILE_NOT_FOUND", message, source);
      case "permission":
      case "read_only":
        return new HttpError(403, "FILE_ACCESS_DENIED", message, source);
      case "is_directory":
      case "not_directory":
      case "not_file":
        return new HttpError(400, "INVALID_FILE_PATH", message, source);
      case "exists":
        return new HttpError(409, "CONFLICT", message, source);
      default:
        return new HttpError(500, "INTERNAL_ERROR", message, source);
    }
  }
  // The local sandbox throws TypeError for bad arguments, e.g. a cwd that is not a directory.
  if (error instanceof TypeError) return new HttpError(400, "BAD_REQUEST", message, source);
  return new HttpError(500, "INTERNAL_ERROR", message, source);
}

/** Reads a JSON object body; anything else is a 400 from `source`. */
export async function readJsonObject(
  request: Request,
  source: ErrorSource,
): Promise<Record<string, unknown>> {
  let body: unknown;
  try {
    body = await request.json();
  } catch {
    throw new HttpError(400, "BAD_REQUEST", "Request body is not valid JSON", source);
  }
  if (typeof body !== "object" || body === null || Array.isArray(body)) {
    throw new HttpError(400, "BAD_REQUEST", "Request body must be a JSON object", source);
  }
  return body as Record<string, unknown>;
}

/** Whether `value` is a record of strings (labels, env). */
export function isStringRecord(value: unknown): value is Record<string, string> {
  return typeof value === "object" && value !== null && !Array.isArray(value) &&
    Object.values(value).every((item) => typeof item === "string");
}

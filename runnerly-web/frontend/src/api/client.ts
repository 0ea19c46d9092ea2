// The browser's only way to the API: same-origin cookies, the CSRF header on every
// state-changing request, and one error type that keeps the field errors the API names.
import { fieldMessage, humanMessage } from "./messages";
import type { FieldError } from "./types";

export type { FieldError };

export class ApiError extends Error {
  readonly status: number;
  readonly code: string;
  readonly errors: FieldError[];
  readonly requestId?: string;
  /** The API's own message, for developers (the console, a bug report); `message` is the runner's. */
  readonly detail?: string;

  constructor(status: number, code: string, message: string, errors: FieldError[] = [], requestId?: string, detail?: string) {
    super(message);
    this.status = status;
    this.code = code;
    this.errors = errors;
    this.requestId = requestId;
    this.detail = detail;
  }

  /** The message for one field, matching `profile.age` to `age` too. */
  fieldError(field: string): string | undefined {
    const hit = this.errors.find((e) => e.field === field || e.field.split(".").pop() === field);
    return hit?.message;
  }
}

export const CSRF_HEADER = "X-CSRF-Token";

let csrfToken: string | null = null;

export function setCsrfToken(token: string | null): void {
  csrfToken = token;
}

export function getCsrfToken(): string | null {
  return csrfToken;
}

function isFieldError(e: unknown): e is FieldError {
  const f = e as Partial<Record<keyof FieldError, unknown>> | null;
  return !!f && typeof f.field === "string" && typeof f.message === "string";
}

/** Turns any answer that is not 2xx into an ApiError, reading the API's JSON error if any. */
export function errorFrom(status: number, body: unknown): ApiError {
  if (body && typeof body === "object") {
    const b = body as { code?: unknown; message?: unknown; errors?: unknown; request_id?: unknown };
    const errors = Array.isArray(b.errors)
      ? b.errors
          .filter(isFieldError)
          .map((e) => ({ field: e.field, message: fieldMessage(e.message) }))
      : [];
    const code = typeof b.code === "string" ? b.code : `http_${status}`;
    const message = typeof b.message === "string" ? b.message : undefined;
    return new ApiError(
      status,
      code,
      // What the runner reads; the API's own words stay in `detail` for the developer.
      humanMessage(status, code, message, errors),
      errors,
      typeof b.request_id === "string" ? b.request_id : undefined,
      message,
    );
  }
  return new ApiError(status, `http_${status}`, humanMessage(status, undefined, undefined, []));
}

type Method = "GET" | "POST" | "PATCH" | "PUT" | "DELETE";

export async function request<T>(method: Method, path: string, body?: unknown): Promise<T> {
  const headers: Record<string, string> = { Accept: "application/json" };
  if (body !== undefined) headers["Content-Type"] = "application/json";
  if (method !== "GET" && csrfToken) headers[CSRF_HEADER] = csrfToken;
  let response: Response;
  try {
    response = await fetch(path, {
      method,
      headers,
      credentials: "same-origin",
      body: body === undefined ? undefined : JSON.stringify(body),
    });
  } catch {
    throw errorFrom(0, null);
  }
  const text = await response.text();
  let data: unknown = null;
  if (text) {
    try {
      data = JSON.parse(text);
    } catch {
      data = null;
    }
  }
  if (!response.ok) throw errorFrom(response.status, data);
  return data as T;
}

export const api = {
  get: <T>(path: string) => request<T>("GET", path),
  post: <T>(path: string, body?: unknown) => request<T>("POST", path, body ?? {}),
  patch: <T>(path: string, body: unknown) => request<T>("PATCH", path, body),
  put: <T>(path: string, body: unknown) => request<T>("PUT", path, body),
  delete: <T>(path: string, body?: unknown) => request<T>("DELETE", path, body),
};

export interface UploadHandle<T> {
  promise: Promise<T>;
  abort: () => void;
}

/**
 * Sends a file with XMLHttpRequest, since fetch reports no upload progress.
 * `onProgress` gets a fraction from 0 to 1, or null when the size is not known.
 */
export function uploadFile<T>(
  url: string,
  file: File,
  onProgress: (fraction: number | null) => void,
): UploadHandle<T> {
  const xhr = new XMLHttpRequest();
  const promise = new Promise<T>((resolve, reject) => {
    xhr.open("POST", url);
    xhr.setRequestHeader("Accept", "application/json");
    // The body is the file itself, as the API asks; the name travels in the query.
    xhr.setRequestHeader("Content-Type", "application/octet-stream");
    if (csrfToken) xhr.setRequestHeader(CSRF_HEADER, csrfToken);
    xhr.upload.onprogress = (e) => onProgress(e.lengthComputable ? e.loaded / e.total : null);
    xhr.onload = () => {
      let data: unknown = null;
      try {
        data = xhr.responseText ? JSON.parse(xhr.responseText) : null;
      } catch {
        // Not JSON (a proxy's page): the status alone makes the error.
      }
      if (xhr.status >= 200 && xhr.status < 300) resolve(data as T);
      else reject(errorFrom(xhr.status, data));
    };
    xhr.onerror = () => reject(errorFrom(0, null));
    xhr.onabort = () => reject(new ApiError(0, "aborted", "Upload cancelled."));
    xhr.send(file);
  });
  return { promise, abort: () => xhr.abort() };
}

import { afterEach, describe, expect, it, vi } from "vitest";
import { ApiError, errorFrom, setCsrfToken, uploadFile } from "./client";

class FakeXhr {
  static last: FakeXhr;
  method = "";
  url = "";
  headers: Record<string, string> = {};
  body: unknown;
  status = 0;
  responseText = "";
  upload: { onprogress: ((e: { lengthComputable: boolean; loaded: number; total: number }) => void) | null } = { onprogress: null };
  onload: (() => void) | null = null;
  onerror: (() => void) | null = null;
  onabort: (() => void) | null = null;
  constructor() {
    FakeXhr.last = this;
  }
  open(method: string, url: string) {
    this.method = method;
    this.url = url;
  }
  setRequestHeader(name: string, value: string) {
    this.headers[name] = value;
  }
  send(body: unknown) {
    this.body = body;
  }
  abort() {
    this.onabort?.();
  }
  respond(status: number, body: unknown) {
    this.status = status;
    this.responseText = JSON.stringify(body);
    this.onload?.();
  }
}

afterEach(() => {
  vi.unstubAllGlobals();
  setCsrfToken(null);
});

describe("uploadFile", () => {
  it("sends the file as the body with the CSRF header, and reports progress", async () => {
    vi.stubGlobal("XMLHttpRequest", FakeXhr);
    setCsrfToken("tok-1");
    const file = new File(["<gpx/>"], "run.gpx");
    const progress: (number | null)[] = [];
    const handle = uploadFile<{ id: number }>("/api/web/runs/import?filename=run.gpx", file, (f) => progress.push(f));
    const xhr = FakeXhr.last;
    xhr.upload.onprogress?.({ lengthComputable: true, loaded: 3, total: 6 });
    xhr.upload.onprogress?.({ lengthComputable: false, loaded: 3, total: 0 });
    xhr.respond(201, { id: 5 });
    await expect(handle.promise).resolves.toEqual({ id: 5 });
    expect(xhr.method).toBe("POST");
    expect(xhr.headers["X-CSRF-Token"]).toBe("tok-1");
    expect(xhr.headers["Content-Type"]).toBe("application/octet-stream");
    expect(xhr.body).toBe(file);
    expect(progress).toEqual([0.5, null]);
  });

  it("turns an error answer into an ApiError with its field messages", async () => {
    vi.stubGlobal("XMLHttpRequest", FakeXhr);
    const handle = uploadFile("/x", new File(["x"], "a.fit"), () => {});
    FakeXhr.last.respond(422, { code: "unreadable_file", message: "Bad file", request_id: "r", errors: [{ field: "body", message: "Not a FIT file" }] });
    const error = await handle.promise.catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ApiError);
    expect((error as ApiError).status).toBe(422);
    expect((error as ApiError).errors).toEqual([{ field: "body", message: "Not a FIT file" }]);
  });
});

describe("errorFrom", () => {
  it("matches a field error by its last name part", () => {
    const e = errorFrom(400, { code: "invalid", message: "m", errors: [{ field: "body.max_hr", message: "At most 250." }] });
    expect(e.fieldError("max_hr")).toBe("At most 250.");
    expect(e.fieldError("rest_hr")).toBeUndefined();
  });

  it("gives a useful message when the answer is not JSON (a proxy's 502 page)", () => {
    const e = errorFrom(502, null);
    expect(e.message).toMatch(/Something went wrong on our side/);
    expect(e.code).toBe("http_502");
  });
});

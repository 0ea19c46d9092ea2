import { afterEach, describe, expect, it, vi } from "vitest";
import { ApiError } from "./client";
import { NOTE_KEY, chunkedUpload, discardUpload, interruptedUpload, sha256Hex, type UploadTransport } from "./archives";
import type { ArchiveImport, ArchiveUpload } from "./types";

const JOB: ArchiveImport = {
  id: "j1", filename: "export.zip", state: "queued", total: 3, done: 0, imported: 0, merged: 0, already: 0,
  skipped: 0, refused: 0, problems: [], error: null, created_at: "2026-12-07T10:00:00Z", updated_at: "2026-12-07T10:00:00Z",
};

/** A seeded generator, so a failing sequence can be run again. */
function random(seed: number) {
  let state = seed >>> 0;
  return () => {
    state = (state * 1664525 + 1013904223) >>> 0;
    return state / 2 ** 32;
  };
}

/**
 * The server's side in memory, as runnerly-web answers (decision 60): bytes at the offset,
 * a part already there not written twice, a gap a 409; `flaky` loses requests before they
 * arrive and answers after they were written, as a dropping connection does.
 */
function server(chunkSize: number, flaky: () => boolean = () => false) {
  const uploads = new Map<string, { bytes: Uint8Array; size: number; state: ArchiveUpload["state"] }>();
  let n = 0;
  const shown = (id: string): ArchiveUpload => {
    const u = uploads.get(id)!;
    return {
      id, filename: "export.zip", size: u.size, offset: u.bytes.length, chunk_size: chunkSize, state: u.state,
      job: u.state === "complete" ? JOB : null, expires_at: "2026-12-08T10:00:00Z",
    };
  };
  const find = (id: string) => {
    if (!uploads.has(id)) throw new ApiError(404, "upload_not_found", "This upload is not there any more.");
    return id;
  };
  const writes: number[] = [];
  const transport: UploadTransport = {
    create: vi.fn((file: File) => {
      const id = `u${++n}`;
      uploads.set(id, { bytes: new Uint8Array(0), size: file.size, state: "receiving" });
      return Promise.resolve(shown(id));
    }),
    get: vi.fn((id: string) => Promise.resolve().then(() => shown(find(id)))),
    current: vi.fn(() => {
      const receiving = [...uploads.entries()].find(([, u]) => u.state === "receiving");
      return Promise.resolve(receiving ? shown(receiving[0]) : null);
    }),
    put: vi.fn((id: string, offset: number, part: Blob, sha256: string | null, onSent: (b: number) => void) => {
      const promise = (async () => {
        if (flaky()) throw new ApiError(0, "http_0", "Runnerly could not be reached.");
        const u = uploads.get(find(id))!;
        const data = new Uint8Array(await part.arrayBuffer());
        if (sha256 && sha256 !== (await sha256Hex(part))) throw new ApiError(422, "chunk_checksum_mismatch", "damaged");
        if (offset > u.bytes.length) throw new ApiError(409, "upload_offset_mismatch", "gap");
        const end = Math.max(u.bytes.length, offset + data.length);
        if (end > u.bytes.length) {
          const grown = new Uint8Array(end);
          grown.set(u.bytes);
          grown.set(data.subarray(u.bytes.length - offset), u.bytes.length);
          u.bytes = grown;
          writes.push(offset);
        }
        onSent(data.length);
        if (u.bytes.length === u.size) u.state = "complete";
        if (flaky()) throw new ApiError(0, "http_0", "Runnerly could not be reached."); // the answer lost
        return shown(id);
      })();
      return { promise, abort: () => undefined };
    }),
    cancel: vi.fn((id: string) => {
      uploads.delete(id);
      return Promise.resolve();
    }),
  };
  return { transport, uploads, writes };
}

function file(size: number, seed = 7): File {
  const next = random(seed);
  const bytes = Uint8Array.from({ length: size }, () => Math.floor(next() * 256));
  return new File([bytes], "export.zip", { lastModified: 1_700_000_000_000 });
}

const noWait = () => Promise.resolve();

afterEach(() => localStorage.clear());

describe("chunkedUpload", () => {
  it("sends the file in parts, each with its SHA-256, with progress over the whole file", async () => {
    const { transport, uploads } = server(1000);
    const progress: (number | null)[] = [];
    const exported = file(3500);

    const job = await chunkedUpload(exported, (f) => progress.push(f), transport, noWait).promise;

    expect(job).toEqual(JOB);
    expect(transport.put).toHaveBeenCalledTimes(4);
    const [[, , part, digest]] = vi.mocked(transport.put).mock.calls;
    expect(part.size).toBe(1000);
    expect(digest).toBe(await sha256Hex(exported.slice(0, 1000)));
    expect(digest).toMatch(/^[0-9a-f]{64}$/);
    expect(progress.at(-1)).toBe(1);
    expect(progress).toEqual([...progress].sort((a, b) => (a ?? 0) - (b ?? 0))); // never backwards
    const [only] = uploads.values();
    expect(only.bytes).toEqual(new Uint8Array(await exported.arrayBuffer()));
    expect(localStorage.getItem(NOTE_KEY)).toBeNull();
  });

  it("arrives whole, each byte written once, whatever the connection loses", async () => {
    let whole = 0;
    for (let seed = 1; seed <= 40; seed++) {
      const next = random(seed);
      const { transport, uploads, writes } = server(64, () => next() < 0.3);
      const exported = file(700 + seed * 13, seed);

      await chunkedUpload(exported, () => undefined, transport, noWait).promise.catch((err: unknown) => {
        // Six losses in a row on one part: given up on, with the runner's message.
        expect((err as ApiError).status).toBe(0);
      });

      const [u] = uploads.values();
      const sent = new Uint8Array(await exported.arrayBuffer());
      expect(sent.subarray(0, u.bytes.length)).toEqual(u.bytes); // always the file's beginning
      expect(new Set(writes).size).toBe(writes.length); // no offset written twice
      if (u.state === "complete") {
        expect(u.bytes).toEqual(sent);
        whole++;
      }
    }
    expect(whole).toBeGreaterThan(30); // a third of the requests lost, and most still arrive
  });

  it("resumes after a reload from where the server stands, for the same file only", async () => {
    const { transport, uploads } = server(1000);
    const exported = file(3000);
    // The first try stops after one part (the tab closed).
    let parts = 0;
    const put = transport.put;
    transport.put = vi.fn((...args: Parameters<UploadTransport["put"]>) => {
      if (++parts > 1) return { promise: Promise.reject(new ApiError(422, "stop", "stopped")), abort: () => undefined };
      return put(...args);
    });
    await expect(chunkedUpload(exported, () => undefined, transport, noWait).promise).rejects.toThrow();
    localStorage.setItem(NOTE_KEY, JSON.stringify({ id: "u1", name: "export.zip", size: 3000, lastModified: 1_700_000_000_000 }));
    expect((await interruptedUpload(transport))?.offset).toBe(1000);

    transport.put = put;
    const progress: (number | null)[] = [];
    await chunkedUpload(exported, (f) => progress.push(f), transport, noWait).promise;

    expect(transport.create).toHaveBeenCalledTimes(1); // the same upload, continued
    expect(progress[0]).toBeCloseTo(1 / 3);
    expect(uploads.get("u1")!.state).toBe("complete");
    expect(await interruptedUpload(transport)).toBeNull();
  });

  it("starts afresh for another file, or when the noted upload expired", async () => {
    const { transport } = server(1000);
    localStorage.setItem(NOTE_KEY, JSON.stringify({ id: "gone", name: "export.zip", size: 3000, lastModified: 1 }));
    await chunkedUpload(file(3000), () => undefined, transport, noWait).promise;
    expect(transport.get).not.toHaveBeenCalledWith("gone"); // another file (its time differs)

    localStorage.setItem(NOTE_KEY, JSON.stringify({ id: "gone", name: "export.zip", size: 3000, lastModified: 1_700_000_000_000 }));
    await chunkedUpload(file(3000), () => undefined, transport, noWait).promise;
    expect(transport.get).toHaveBeenCalledWith("gone");
    expect(transport.create).toHaveBeenCalledTimes(2);
  });

  it("Cancel stops the parts and deletes the upload; a refusal forgets it", async () => {
    const { transport, uploads } = server(1000);
    let release: () => void = () => undefined;
    const put = transport.put;
    transport.put = vi.fn((...args: Parameters<UploadTransport["put"]>) => {
      const inner = put(...args);
      return { promise: new Promise<ArchiveUpload>((ok) => (release = () => ok(inner.promise))), abort: () => undefined };
    });
    const handle = chunkedUpload(file(3000), () => undefined, transport, noWait);
    await vi.waitFor(() => expect(transport.put).toHaveBeenCalledTimes(1));
    handle.abort();
    release();
    await expect(handle.promise).rejects.toThrow("Upload cancelled.");
    expect(transport.cancel).toHaveBeenCalledWith("u1");
    expect(uploads.size).toBe(0);
    expect(localStorage.getItem(NOTE_KEY)).toBeNull();

    const refused = server(1000).transport;
    refused.create = vi.fn(() => Promise.reject(new ApiError(413, "archive_too_large", "This archive is 5.0 GB: the largest taken is 4.0 GB.")));
    await expect(chunkedUpload(file(10), () => undefined, refused, noWait).promise).rejects.toThrow("the largest taken is 4.0 GB");
  });

  it("finds an upload another browser began, and discards it", async () => {
    const { transport, uploads } = server(1000);
    await transport.create(file(3000)); // elsewhere: this browser has no note of it
    expect(localStorage.getItem(NOTE_KEY)).toBeNull();

    const found = await interruptedUpload(transport);

    expect(found?.id).toBe("u1");
    await discardUpload("u1", transport);
    expect(transport.cancel).toHaveBeenCalledWith("u1");
    expect(uploads.size).toBe(0);
    expect(await interruptedUpload(transport)).toBeNull();
  });
});

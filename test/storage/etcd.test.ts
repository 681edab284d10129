import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { EtcdStorage } from "../../dist/hosts/node/etcd-storage.js";
import { storageContract } from "./contract.js";
import { startEtcd, type EtcdProcess } from "./etcd-process.js";

let etcd: EtcdProcess;
let store: EtcdStorage | undefined;
beforeAll(async () => {
  etcd = await startEtcd();
});
afterAll(async () => {
  await store?.close();
  await etcd?.stop();
});

storageContract("etcd 3.4 (Node host, --etcd)", () => (store ??= new EtcdStorage([etcd.endpoint])));

describe("two kubeling servers on one etcd", () => {
  it("a write through one is seen by a watch through the other", async () => {
    const a = new EtcdStorage([etcd.endpoint]);
    const b = new EtcdStorage([etcd.endpoint]);
    try {
      const start = await b.currentRevision();
      const seen = new Promise<string>((resolve) => {
        const w = b.watch("/shared/", start, {
          events(batch) {
            w.cancel();
            resolve(`${batch[0].type} ${batch[0].kv.key} ${new TextDecoder().decode(batch[0].kv.value)}`);
          },
          compacted() {},
        });
      });
      await new Promise((r) => setTimeout(r, 200)); // the watch is registered with etcd
      const written = await a.create("/shared/pod", new TextEncoder().encode("from a"));
      expect(written.ok).toBe(true);
      expect(await seen).toBe("put /shared/pod from a");
      expect((await b.get("/shared/pod"))?.modRevision).toBe(written.ok ? written.revision : -1);
    } finally {
      await a.close();
      await b.close();
    }
  });
});

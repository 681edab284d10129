// Child process of crash.test.ts: writes to a store as fast as it can, 16 writes in flight,
// and prints "ack <key> <revision>" for each acknowledged write, until killed (bounded:
// at most 200,000 writes or 30 s).
import { LmdbStorage } from "../../dist/hosts/node/lmdb-storage.js";
import { EtcdStorage } from "../../dist/hosts/node/etcd-storage.js";

const [kind, where] = process.argv.slice(2);
const store = kind === "etcd" ? new EtcdStorage([where]) : new LmdbStorage(where);
const started = Date.now();
let next = 0;
async function worker() {
  while (next < 200_000 && Date.now() - started < 30_000) {
    const i = next++;
    const key = `/crash/k${String(i).padStart(6, "0")}`;
    const value = new TextEncoder().encode(`value-${i}-`.padEnd(200, "x"));
    const result = await store.create(key, value);
    if (result.ok) process.stdout.write(`ack ${key} ${result.revision}\n`);
  }
}
await Promise.all(Array.from({ length: 16 }, worker));
await store.close();

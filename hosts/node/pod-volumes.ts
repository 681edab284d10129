// A node's pod volumes on this machine, laid out as the kubelet lays them out under
// /var/lib/kubelet/pods: <podsDir>/<pod uid>/volumes/<plugin>/<volume name>. The kubelet
// (core/kubelet/volumes.ts) says what each volume is; this makes it real:
//  - emptyDir: a directory (mode 0777, as the empty-dir plugin leaves it), or a tmpfs (1777)
//    with medium Memory;
//  - hostPath: the machine's path after the host-path plugin's type check
//    (DirectoryOrCreate creates it, Directory/File/Socket/… must be one);
//  - files (configMap, secret, downwardAPI, projected): written as the kubelet's atomic
//    writer does — a timestamped directory, a `..data` symlink to it swapped in with a
//    rename, and one symlink per top-level name through `..data`, so a container never sees
//    half an update. Sensitive volumes (secret, projected) get a tmpfs mounted first and
//    are only written once it is there: secret material never reaches a disk.
// Tearing a pod down unmounts its tmpfs mounts (deepest first) and removes its directory.
import { execFile } from "node:child_process";
import { chmod, lstat, mkdir, mkdtemp, readdir, readFile, readlink, rename, rm, stat, symlink, unlink, writeFile } from "node:fs/promises";
import { dirname, join, relative } from "node:path";
import { promisify } from "node:util";
import type { PodVolume, VolumeFile } from "../../bindings/runtime.js";

const run = promisify(execFile);

export class PodVolumes {
  /** Pod uid → volume name → the host directory (or file) a mount binds. */
  private readonly resolved = new Map<string, Map<string, string>>();

  constructor(readonly podsDir: string) {}

  podDir(uid: string): string {
    if (!/^[A-Za-z0-9._-]+$/.test(uid) || uid.startsWith(".")) throw new Error(`invalid pod uid ${JSON.stringify(uid)}`);
    return join(this.podsDir, uid);
  }

  /** Idempotent: existing emptyDirs and tmpfs mounts stay; files volumes get the new contents. */
  async setUp(uid: string, volumes: PodVolume[]): Promise<void> {
    const paths = new Map<string, string>();
    for (const v of volumes) {
      try {
        paths.set(v.name, await this.setUpOne(uid, v));
      } catch (err) {
        throw new Error(`MountVolume.SetUp failed for volume "${v.name}" : ${(err as Error).message}`);
      }
    }
    this.resolved.set(uid, paths);
  }

  /** The host path of a pod's volume, once set up. */
  hostPath(uid: string, volume: string): string | undefined {
    return this.resolved.get(uid)?.get(volume);
  }

  async tearDown(uid: string): Promise<void> {
    this.resolved.delete(uid);
    const dir = this.podDir(uid);
    for (const mount of (await mountsUnder(dir)).sort((a, b) => b.length - a.length)) await unmount(mount);
    // Never delete through a mount that is still there (a tmpfs that would not unmount).
    const left = await mountsUnder(dir);
    if (left.length > 0) throw new Error(`pod ${uid}: cannot remove ${dir}: still mounted: ${left.join(", ")}`);
    await rm(dir, { recursive: true, force: true });
  }

  /** Every pod directory present (a clean node stop removes them all). */
  async pods(): Promise<string[]> {
    try {
      return await readdir(this.podsDir);
    } catch {
      return [];
    }
  }

  private volumeDir(uid: string, v: PodVolume): string {
    if (!/^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/.test(v.name)) throw new Error(`invalid volume name ${JSON.stringify(v.name)}`);
    if (!/^[a-z0-9.~-]+$/.test(v.plugin)) throw new Error(`invalid volume plugin ${JSON.stringify(v.plugin)}`);
    return join(this.podDir(uid), "volumes", v.plugin, v.name);
  }

  private async setUpOne(uid: string, v: PodVolume): Promise<string> {
    if (v.kind === "hostPath") {
      await checkHostPathType(v.path ?? "", v.hostPathType ?? "");
      return v.path ?? "";
    }
    const dir = this.volumeDir(uid, v);
    await mkdir(dir, { recursive: true, mode: 0o750 });
    if (v.kind === "emptyDir") {
      if (v.medium === "Memory") await ensureTmpfs(dir, v.sizeLimitBytes);
      else await chmod(dir, 0o777);
      return dir;
    }
    // As the wrapped emptyDir leaves it: 0777 on disk, a tmpfs's 1777 — any user of the pod reads it.
    if (v.sensitive) await ensureTmpfs(dir);
    else await chmod(dir, 0o777);
    await atomicWrite(dir, v.files ?? []);
    return dir;
  }
}

/** The host-path plugin's checkType. */
async function checkHostPathType(path: string, type: string): Promise<void> {
  if (!path.startsWith("/")) throw new Error(`hostPath ${JSON.stringify(path)} is not an absolute path`);
  const info = await stat(path).catch(() => null);
  switch (type) {
    case "":
      return;
    case "DirectoryOrCreate":
      if (!info) {
        await mkdir(path, { recursive: true, mode: 0o755 });
        return;
      }
    // falls through
    case "Directory":
      if (!info?.isDirectory()) throw new Error(`hostPath type check failed: ${path} is not a directory`);
      return;
    case "FileOrCreate":
      if (!info) {
        await mkdir(dirname(path), { recursive: true, mode: 0o755 });
        await writeFile(path, "", { mode: 0o644, flag: "a" });
        return;
      }
    // falls through
    case "File":
      if (!info?.isFile()) throw new Error(`hostPath type check failed: ${path} is not a file`);
      return;
    case "Socket":
      if (!info?.isSocket()) throw new Error(`hostPath type check failed: ${path} is not a socket file`);
      return;
    case "CharDevice":
      if (!info?.isCharacterDevice()) throw new Error(`hostPath type check failed: ${path} is not a character device`);
      return;
    case "BlockDevice":
      if (!info?.isBlockDevice()) throw new Error(`hostPath type check failed: ${path} is not a block device`);
      return;
    default:
      throw new Error(`${type} is an invalid volume type`);
  }
}

/** The mount points at or under `dir`, from /proc/self/mounts. */
export async function mountsUnder(dir: string): Promise<string[]> {
  const text = await readFile("/proc/self/mounts", "utf8");
  const out: string[] = [];
  for (const line of text.split("\n")) {
    const target = line.split(" ")[1];
    if (!target) continue;
    const path = target.replace(/\\([0-7]{3})/g, (_, o: string) => String.fromCharCode(parseInt(o, 8)));
    if (path === dir || path.startsWith(`${dir}/`)) out.push(path);
  }
  return out;
}

async function fsTypeAt(dir: string): Promise<string | undefined> {
  const text = await readFile("/proc/self/mounts", "utf8");
  let type: string | undefined;
  for (const line of text.split("\n")) {
    const [, target, fstype] = line.split(" ");
    if (target?.replace(/\\([0-7]{3})/g, (_, o: string) => String.fromCharCode(parseInt(o, 8))) === dir) type = fstype; // the last mount wins
  }
  return type;
}

/** Mounts a tmpfs at `dir` unless one is there, and checks it is before anything is written. */
async function ensureTmpfs(dir: string, sizeBytes?: number): Promise<void> {
  if ((await fsTypeAt(dir)) === "tmpfs") return;
  const options = ["mode=1777", ...(sizeBytes ? [`size=${sizeBytes}`] : [])].join(",");
  try {
    await run("mount", ["-t", "tmpfs", "-o", options, "tmpfs", dir]);
  } catch (err) {
    throw new Error(`mount -t tmpfs at ${dir} failed: ${((err as { stderr?: string }).stderr ?? (err as Error).message).trim()}`);
  }
  if ((await fsTypeAt(dir)) !== "tmpfs") throw new Error(`${dir} is not a tmpfs after mounting one`);
}

async function unmount(path: string): Promise<void> {
  try {
    await run("umount", [path]);
  } catch {
    // Busy (a container still holds it): detach it now, it goes when the last user does.
    await run("umount", ["-l", path]).catch(() => undefined);
  }
}

/** The atomic writer: files into a fresh `..<timestamp>` directory, `..data` swapped to it, top-level symlinks through it. */
export async function atomicWrite(dir: string, files: VolumeFile[]): Promise<void> {
  const now = new Date();
  const p2 = (n: number) => String(n).padStart(2, "0");
  const stamp = `..${now.getUTCFullYear()}_${p2(now.getUTCMonth() + 1)}_${p2(now.getUTCDate())}_${p2(now.getUTCHours())}_${p2(now.getUTCMinutes())}_${p2(now.getUTCSeconds())}.`;
  const tsDir = await mkdtemp(join(dir, stamp));
  await chmod(tsDir, 0o755);
  for (const f of files) {
    const target = join(tsDir, f.path);
    if (relative(tsDir, target).startsWith("..")) throw new Error(`invalid file path ${JSON.stringify(f.path)}`);
    await mkdir(dirname(target), { recursive: true, mode: 0o755 });
    await writeFile(target, f.content, { mode: f.mode & 0o7777 });
    await chmod(target, f.mode & 0o7777);
  }
  const dataLink = join(dir, "..data");
  const old = await readlink(dataLink).catch(() => null);
  const tmpLink = join(dir, "..data_tmp");
  await unlink(tmpLink).catch(() => undefined);
  await symlink(relative(dir, tsDir), tmpLink);
  await rename(tmpLink, dataLink);
  const top = new Set(files.map((f) => f.path.split("/")[0]));
  for (const name of top) {
    const link = join(dir, name);
    if (!(await lstat(link).catch(() => null))) await symlink(join("..data", name), link);
  }
  for (const entry of await readdir(dir)) {
    if (entry.startsWith("..") || top.has(entry)) continue;
    const info = await lstat(join(dir, entry));
    if (info.isSymbolicLink()) await unlink(join(dir, entry));
  }
  if (old && old !== relative(dir, tsDir)) await rm(join(dir, old), { recursive: true, force: true });
}

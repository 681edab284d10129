// How `kubeling up` and `kubeling agent` run: parse the flags (usage and exit 2 when they
// are wrong), start (exit 1 with the reason when that fails), then run in the foreground
// until SIGINT/SIGTERM and stop cleanly (exit 0).
export async function runInForeground<O>(
  command: string,
  usage: string,
  parsed: O | string,
  start: (options: O) => Promise<{ stop(): Promise<void> }>,
): Promise<number> {
  if (typeof parsed === "string") {
    console.error(`kubeling ${command}: ${parsed}\nusage: ${usage}`);
    return 2;
  }
  let running: { stop(): Promise<void> };
  try {
    running = await start(parsed);
  } catch (err) {
    console.error(`kubeling ${command}: ${(err as Error).message}`);
    return 1;
  }
  console.log("Ctrl-C stops it.");
  await new Promise<void>((resolve) => {
    process.once("SIGINT", resolve);
    process.once("SIGTERM", resolve);
  });
  console.log("stopping…");
  await running.stop();
  console.log("stopped.");
  return 0;
}

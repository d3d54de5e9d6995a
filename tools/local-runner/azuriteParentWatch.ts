// Preloaded into the Azurite process (node --require) by azurite.ts. The runner stops Azurite on every
// exit it sees (SIGINT, SIGTERM, a crash), but a SIGKILL gives it no chance: then the parent is gone
// without a word, the child is re-parented, and this notices and stops Azurite through its own SIGTERM
// handler, so no Azurite is left holding the port.

const parent = process.ppid;
const POLL_MS = 250;
// Azurite closes in milliseconds; if it ever hangs on the way out, do not let it live on.
const EXIT_GRACE_MS = 5_000;

const watch = setInterval(() => {
  if (process.ppid === parent) return;
  clearInterval(watch);
  process.kill(process.pid, 'SIGTERM');
  setTimeout(() => process.exit(0), EXIT_GRACE_MS).unref();
}, POLL_MS);
// Never what keeps Azurite running.
watch.unref();

export {};

// Polling for tests of eventually consistent systems (a real Home Assistant's recorder, an
// Alertmanager that mutes on its next evaluation, a client reconnecting): read until the value
// is acceptable or the deadline passes; errors before the deadline count as "not yet".
export async function eventually<T>(
  read: () => Promise<T>,
  accept: (value: T) => boolean,
  timeoutMs = 10_000,
  everyMs = 200,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      const value = await read();
      if (accept(value) || Date.now() > deadline) return value;
    } catch (error) {
      if (Date.now() > deadline) throw error;
    }
    await new Promise((resolve) => setTimeout(resolve, everyMs));
  }
}

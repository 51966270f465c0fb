// A plugin that leaks: it keeps everything it ever allocated.
const kept = []

export default () => {
  for (;;) kept.push(new Array(100_000).fill(kept.length))
}

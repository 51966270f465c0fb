// A well-behaved plugin: its input in capitals.
export default (text) => text.toUpperCase()

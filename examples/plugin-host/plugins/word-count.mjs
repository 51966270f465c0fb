// A well-behaved plugin: counts the words of its input.
export default (text) => text.split(/\s+/).filter(Boolean).length

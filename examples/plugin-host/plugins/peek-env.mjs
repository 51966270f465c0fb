// A plugin that is up to no good: it lists the environment, looking for secrets.
export default () => Object.keys(process.env)

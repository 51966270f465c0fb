/**
 * Why a confined worker died before it was ready, when its permissions were the reason: it
 * could not read a module it imports (the usual case: the folder of the worker's own code, or
 * its node_modules, is not in `permissions.read`). Read from the runtime's uncaught error on
 * stderr, Node's (`code: 'ERR_ACCESS_DENIED'`, `permission`, `resource`) or Deno's
 * (`NotCapable: Requires read access to "..."`).
 */
import { asPermissionDenied } from '../../errors/permission-errors.js'

/** The explanation for StartupError, or undefined when stderr shows no denied access. */
export function deniedAtLoad(stderr: string | undefined): string | undefined {
  if (stderr === undefined) return undefined
  const node = /code: 'ERR_ACCESS_DENIED',\s*permission: '([^']*)',\s*resource: '([^']*)'/.exec(stderr)
  const deno = /NotCapable: (Requires \w+ access.*?, run again with the --allow-[\w-]+ flag)/.exec(stderr)
  const raw = node !== null ? Object.assign(new Error(''), { code: 'ERR_ACCESS_DENIED', permission: node[1], resource: node[2] }) : deno !== null ? Object.assign(new Error(deno[1]), { name: 'NotCapable' }) : undefined
  const denied = asPermissionDenied(raw)
  if (denied === undefined) return undefined
  const what = denied.resource === undefined ? '' : ` to ${denied.resource}`
  const fix = denied.permission === 'read' ? `add it (or its folder) to permissions.read` : `allow ${denied.permission} in permissions`
  return `its permissions denied it ${denied.permission} access${what} while it loaded; ${fix}`
}

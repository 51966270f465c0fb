/**
 * Runs a Standard Schema and turns its issues into a ValidationError.
 */
import { validationError } from '../errors/call-errors.js'
import type { StandardSchemaV1 } from './standard-schema.js'

/**
 * Validates `value`; resolves with the schema's parsed value or rejects with a
 * ValidationError naming the procedure and whether its input or output was invalid.
 */
export async function validate(schema: StandardSchemaV1, value: unknown, procedure: string, direction: 'input' | 'output'): Promise<unknown> {
  const result = await schema['~standard'].validate(value)
  if (result.issues) throw validationError(procedure, direction, result.issues)
  return result.value
}

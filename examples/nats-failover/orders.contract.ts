import { defineContract, procedure } from '@forkrpc/core'

export class OutOfStock extends Error {
  override name = 'OutOfStock'
}

/** Served over NATS by any number of instances (instance.ts); called by main.ts. */
export const orders = defineContract(
  {
    /** Reading a price has no effect: safe to run twice, so retried on another instance when its own is lost. */
    price: procedure<{ sku: string }, { cents: number; by: string }>({ idempotent: true }),
    /** Placing an order must never run twice: if its instance is lost, the caller is told (InstanceLostError). */
    place: procedure<{ sku: string; qty: number }, { order: string; by: string }>(),
  },
  { errors: [OutOfStock] },
)

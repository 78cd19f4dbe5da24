import * as z from 'zod';
import { ADDRESS_PARTS, type Address } from './store';

/** The spec types every part as a non-nullable string: null is refused, as Pipedrive's strict v2 validation may. */
const part = z.string().max(255).optional();

/**
 * An address as v2 accepts it: only `value` is required, and every part not sent becomes null,
 * on POST and on PATCH alike ([MIG]). `formatted_address` is computed by Pipedrive, so it is not
 * accepted (the request schema does not list it). The object itself is not nullable in the spec;
 * an empty `value` with no parts clears the address (decision 43).
 */
export const AddressInput = z.strictObject({
  value: z.string().max(255),
  street_number: part,
  route: part,
  subpremise: part,
  sublocality: part,
  locality: part,
  admin_area_level_1: part,
  admin_area_level_2: part,
  country: part,
  postal_code: part,
});
export type AddressInput = z.infer<typeof AddressInput>;

/**
 * The stored address: parts not sent are null. Without a geocoder, `formatted_address` repeats `value`.
 * An empty `value` is no address at all: every part not sent is null too, so nothing is left (decision 43).
 */
export function toAddress(input: AddressInput): Address | null {
  if (input.value.trim() === '' && ADDRESS_PARTS.every((key) => !input[key])) return null;
  const address: Address = {
    value: input.value,
    formatted_address: input.value,
    street_number: null,
    route: null,
    subpremise: null,
    sublocality: null,
    locality: null,
    admin_area_level_1: null,
    admin_area_level_2: null,
    country: null,
    postal_code: null,
  };
  for (const key of ADDRESS_PARTS) address[key] = input[key] ?? null;
  return address;
}

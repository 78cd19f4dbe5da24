import { z } from 'zod';
import { ADDRESS_PARTS, type Address } from './store';

const part = z.string().max(255).nullable().optional();

/**
 * An address as v2 accepts it: only `value` is required, and every part not sent becomes null,
 * on POST and on PATCH alike ([MIG]). `formatted_address` is computed by Pipedrive, so it is not
 * accepted (the request schema does not list it).
 */
export const AddressInput = z.strictObject({
  value: z.string().min(1).max(255),
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

/** The stored address: parts not sent are null. Without a geocoder, `formatted_address` repeats `value`. */
export function toAddress(input: AddressInput): Address {
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

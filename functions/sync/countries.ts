/**
 * QBO now writes ISO 3166-1 alpha-3 codes in `Country` (FACTS §7); Pipedrive's address parts read
 * best as names. Codes not listed pass through unchanged.
 */
const NAMES: Record<string, string> = {
  USA: 'United States',
  CAN: 'Canada',
  MEX: 'Mexico',
  GBR: 'United Kingdom',
  IRL: 'Ireland',
  DEU: 'Germany',
  FRA: 'France',
  ESP: 'Spain',
  ITA: 'Italy',
  NLD: 'Netherlands',
  BEL: 'Belgium',
  CHE: 'Switzerland',
  AUT: 'Austria',
  SWE: 'Sweden',
  NOR: 'Norway',
  DNK: 'Denmark',
  FIN: 'Finland',
  POL: 'Poland',
  PRT: 'Portugal',
  AUS: 'Australia',
  NZL: 'New Zealand',
  IND: 'India',
  JPN: 'Japan',
  CHN: 'China',
  SGP: 'Singapore',
  ZAF: 'South Africa',
  BRA: 'Brazil',
  ARE: 'United Arab Emirates',
};

export function countryName(country: string): string {
  return NAMES[country.trim().toUpperCase()] ?? country.trim();
}

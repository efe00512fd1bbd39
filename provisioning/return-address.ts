// The addresses of a job, shaped like Snowball's `Address` (CreateAddress): the return address
// (the facility the device goes back to) and, for EXPORT jobs, the shipping address (the customer
// the device is shipped to). They go on the device's E Ink label, so they are plain printable text.
import { Problems, asObject, fieldPath, readString, rejectUnknownFields } from './spec-checks.js';

export interface ReturnAddress {
  readonly name: string;
  readonly company?: string;
  readonly street1: string;
  readonly street2?: string;
  readonly street3?: string;
  readonly city: string;
  /** Required for US and CA addresses, as Snowball requires it. */
  readonly stateOrProvince?: string;
  readonly postalCode: string;
  /** ISO 3166-1 alpha-2, uppercase (US, DE, JP). */
  readonly country: string;
  readonly phone?: string;
}

const ADDRESS_FIELDS = ['name', 'company', 'street1', 'street2', 'street3', 'city', 'stateOrProvince', 'postalCode', 'country', 'phone'] as const;

/** How an address is named in messages: the return address, or an EXPORT job's shipping address. */
export interface AddressRole {
  readonly what: string;
  readonly purpose: string;
}
const RETURN_ROLE: AddressRole = { what: 'return address', purpose: 'where the device goes back to' };
export const SHIPPING_ROLE: AddressRole = { what: 'shipping address', purpose: "the customer's address, where an EXPORT device is shipped" };

export function readReturnAddress(problems: Problems, field: string, value: unknown, role: AddressRole = RETURN_ROLE): ReturnAddress | undefined {
  if (value === undefined) {
    problems.add(field, `required: ${role.purpose} (name, street1, city, postalCode, country)`);
    return undefined;
  }
  const object = asObject(problems, field, value);
  if (object === undefined) return undefined;
  const before = problems.list.length;
  rejectUnknownFields(problems, field, object, ADDRESS_FIELDS, role.what);
  const name = readString(problems, object, field, 'name', { required: true, maxLength: 128 });
  const company = readString(problems, object, field, 'company', { maxLength: 128 });
  const street1 = readString(problems, object, field, 'street1', { required: true, maxLength: 128 });
  const street2 = readString(problems, object, field, 'street2', { maxLength: 128 });
  const street3 = readString(problems, object, field, 'street3', { maxLength: 128 });
  const city = readString(problems, object, field, 'city', { required: true, maxLength: 128 });
  const stateOrProvince = readString(problems, object, field, 'stateOrProvince', { maxLength: 64 });
  const postalCode = readString(problems, object, field, 'postalCode', { required: true, maxLength: 16 });
  const country = readString(problems, object, field, 'country', { required: true, maxLength: 2 + 64 });
  const phone = readString(problems, object, field, 'phone', { maxLength: 32 });
  if (country !== undefined) {
    const problem = countryProblem(country);
    if (problem !== undefined) problems.add(fieldPath(field, 'country'), problem);
    else if ((country === 'US' || country === 'CA') && stateOrProvince === undefined && object.stateOrProvince === undefined) {
      problems.add(fieldPath(field, 'stateOrProvince'), `required for a ${country} address`);
    }
  }
  if (postalCode !== undefined && !/^[A-Za-z0-9][A-Za-z0-9 -]*$/u.test(postalCode)) {
    problems.add(fieldPath(field, 'postalCode'), `"${postalCode}" is not a postal code (letters, digits, spaces and hyphens)`);
  }
  if (phone !== undefined && !/^\+?[0-9][0-9 ().-]{3,31}$/u.test(phone)) {
    problems.add(fieldPath(field, 'phone'), `"${phone}" is not a phone number (digits, spaces, ( ) . - and a leading +)`);
  }
  if (problems.list.length !== before || name === undefined || street1 === undefined || city === undefined || postalCode === undefined || country === undefined) {
    return undefined;
  }
  return {
    name,
    ...(company === undefined ? {} : { company }),
    street1,
    ...(street2 === undefined ? {} : { street2 }),
    ...(street3 === undefined ? {} : { street3 }),
    city,
    ...(stateOrProvince === undefined ? {} : { stateOrProvince }),
    postalCode,
    country,
    ...(phone === undefined ? {} : { phone }),
  };
}

function countryProblem(country: string): string | undefined {
  if (COUNTRY_CODES.has(country)) return undefined;
  if (COUNTRY_CODES.has(country.toUpperCase())) return `"${country}": write ISO 3166-1 alpha-2 codes in uppercase ("${country.toUpperCase()}")`;
  if (country.toUpperCase() === 'UK') return '"UK" is not an ISO 3166-1 alpha-2 code; the United Kingdom is "GB"';
  return `"${country}" is not an ISO 3166-1 alpha-2 country code (like US, DE, JP)`;
}

/** The 249 officially assigned ISO 3166-1 alpha-2 codes. */
const COUNTRY_CODES: ReadonlySet<string> = new Set(
  (
    'AD AE AF AG AI AL AM AO AQ AR AS AT AU AW AX AZ BA BB BD BE BF BG BH BI BJ BL BM BN BO BQ BR BS BT BV BW BY BZ ' +
    'CA CC CD CF CG CH CI CK CL CM CN CO CR CU CV CW CX CY CZ DE DJ DK DM DO DZ EC EE EG EH ER ES ET FI FJ FK FM FO FR ' +
    'GA GB GD GE GF GG GH GI GL GM GN GP GQ GR GS GT GU GW GY HK HM HN HR HT HU ID IE IL IM IN IO IQ IR IS IT JE JM JO JP ' +
    'KE KG KH KI KM KN KP KR KW KY KZ LA LB LC LI LK LR LS LT LU LV LY MA MC MD ME MF MG MH MK ML MM MN MO MP MQ MR MS ' +
    'MT MU MV MW MX MY MZ NA NC NE NF NG NI NL NO NP NR NU NZ OM PA PE PF PG PH PK PL PM PN PR PS PT PW PY QA RE RO RS ' +
    'RU RW SA SB SC SD SE SG SH SI SJ SK SL SM SN SO SR SS ST SV SX SY SZ TC TD TF TG TH TJ TK TL TM TN TO TR TT TV TW ' +
    'TZ UA UG UM US UY UZ VA VC VE VG VI VN VU WF WS YE YT ZA ZM ZW'
  ).split(' '),
);

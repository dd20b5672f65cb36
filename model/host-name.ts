/**
 * The host naming convention's pattern, `<SITE>-<ROLE><NN>[-<TAG>]` (model/naming.ts). In a module of its own, free
 * of the config schema, so the directory plan can refuse a workstation named like a server without importing it.
 */
export const HOST_NAME_PATTERN = /^([A-Z]{2,4})-([A-Z]{2,5})(\d{2})(-[A-Z0-9]{1,10})?$/;

/**
 * Label names sort "naturally": digit runs compare as numbers ("2" before "10", "cat2" before "cat10"), the rest
 * alphabetically with case as a tie-break. A fixed locale keeps class indexes identical on every machine.
 */
export const naturalCompare = new Intl.Collator('en', { numeric: true, sensitivity: 'variant' }).compare;

export function helper() { return '<b>&amp;</b>'; }

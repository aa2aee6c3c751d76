// Strings of the supervisors' duty pages (duty/supervise.js and its tabs), zh-CN and English.
export const zh = {
  'nav.supervise': '督查',
};
export const en = {
  'nav.supervise': 'Supervision',
};

// Strings of the secretary's duty page (duty/checkin.js), zh-CN and English.
export const zh = {
  'nav.duty': '值守',
};
export const en = {
  'nav.duty': 'On duty',
};

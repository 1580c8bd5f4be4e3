// Which of an image's boxes stands for it where one box is needed: the training crop and the x,y,w,h columns of
// the exported labels.csv. A box a person drew wins; then the highest score, an imported box (which has none)
// counting as certain; then the oldest. One definition, so the export says which box the model was trained on.

export const PRIMARY_BOX_ORDER = `source = 'manual' DESC, COALESCE(score, 1) DESC, id`;

/** `LEFT JOIN boxes <alias>` on the primary box of each row of `imageAlias`, one index probe per row. */
export function primaryBoxJoin(imageAlias = 'i', alias = 'b'): string {
  return `LEFT JOIN boxes ${alias} ON ${alias}.id = (SELECT id FROM boxes WHERE image_id = ${imageAlias}.id
                                              ORDER BY ${PRIMARY_BOX_ORDER} LIMIT 1)`;
}

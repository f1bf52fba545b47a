import {
  CONFIG_REFERENCE_BEGIN,
  extractConfigReference,
  generateConfigReference,
  updateConfigReference,
} from './config-reference';
import type { ConfigSchema } from './connector';

const schema: ConfigSchema = {
  type: 'object',
  required: ['url'],
  properties: {
    url: { description: 'Where | the API is.', type: 'string', examples: ['https://x.example'] },
    password: { description: 'The password.', type: 'string', 'x-secret': true },
    pageSize: { description: 'Items per\n page.', type: 'integer', default: 100 },
  },
};

describe('generateConfigReference', () => {
  it('renders one row per setting: type, required/default, secret, example, description', () => {
    const table = generateConfigReference(schema);
    expect(table).toContain(
      '| `url` | string | required |  | `"https://x.example"` | Where \\| the API is. |',
    );
    expect(table).toContain('| `password` | string | — | yes | — | The password. |');
    expect(table).toContain('| `pageSize` | integer | `100` |  | — | Items per page. |');
  });

  it('is found in, and replaced within, a README', () => {
    const readme = updateConfigReference('# X\n\ntext\n', schema);
    expect(readme.startsWith('# X\n\ntext\n\n' + CONFIG_REFERENCE_BEGIN)).toBe(true);
    expect(extractConfigReference(readme)).toBe(generateConfigReference(schema));
    const changed = {
      ...schema,
      properties: { ...schema.properties, extra: { description: 'New.' } },
    };
    const updated = updateConfigReference(readme, changed);
    expect(extractConfigReference(updated)).toBe(generateConfigReference(changed));
    expect(updated.match(/config-reference:begin/g)).toHaveLength(1);
  });
});

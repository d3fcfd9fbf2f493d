// Reads a JSON array of URIs on stdin; prints {"results": [{uri, valid, linkType}], "linkTypes": [...]}.
const fs = require('fs');
const vm = require('vm');
const path = require('path');

const context = { Buffer };
vm.createContext(context);
const toolkit = fs.readFileSync(path.join(__dirname, 'digital-link.js.browser.js'), 'utf8');
vm.runInContext(`${toolkit};this.toolkit = digitalLinkJs;`, context);
const { DigitalLink, webVoc } = context.toolkit;

const uris = JSON.parse(fs.readFileSync(0, 'utf8'));
const results = uris.map((uri) => {
  const link = DigitalLink(uri);
  return { uri, valid: link.isValid(), linkType: link.getLinkType ? link.getLinkType() : link.linkType };
});
process.stdout.write(JSON.stringify({ results, linkTypes: Object.values(webVoc.linkType) }));

// The peer of bench/document_bench.cpp: what a JavaScript shop would write,
// following the READMEs of pdf-lib (form filling) and @signpdf
// (pdflibAddPlaceholder + P12Signer + signpdf.sign). Every document: load
// the 2-page template, fill 5 text fields, add the signature placeholder,
// save, sign. Prints documents per second for fill+sign and for sign alone.
//
//   node bench.mjs CERT.p12 [SECONDS]
import { readFileSync } from 'node:fs';
import { PDFDocument, StandardFonts } from 'pdf-lib';
import { pdflibAddPlaceholder } from '@signpdf/placeholder-pdf-lib';
import signpdfModule from '@signpdf/signpdf';
import { P12Signer } from '@signpdf/signer-p12';

// The package is CommonJS with an ES-style default export (README: `import signpdf from`).
const signpdf = signpdfModule.default ?? signpdfModule;

const [p12Path, secondsArg] = process.argv.slice(2);
const seconds = Number(secondsArg ?? 5);
const p12 = readFileSync(p12Path);  // read once; the signer is made per document, as the README does
// (a P12Signer can sign only once: it consumes its forge buffer).

// The template: 2 A4 pages of text, 5 text fields on page 1 (pdf-lib makes it).
async function makeTemplate() {
  const doc = await PDFDocument.create();
  const font = await doc.embedFont(StandardFonts.Helvetica);
  const form = doc.getForm();
  for (let n = 1; n <= 2; n++) {
    const page = doc.addPage([595.28, 841.89]);
    for (let line = 0; line < 40; line++)
      page.drawText(`Clause ${line + 1}: the parties keep each other's confidential information.`,
                    { x: 56, y: 780 - 18 * line, size: 12, font });
    if (n === 1)
      ['client', 'company', 'effective_date', 'term', 'governing_law'].forEach((name, i) => {
        form.createTextField(name).addToPage(page, { x: 56, y: 60 + 22 * i, width: 240, height: 18 });
      });
  }
  return Buffer.from(await doc.save());
}

async function fillAndSign(template, fill) {
  const pdfDoc = await PDFDocument.load(template);
  if (fill) {
    const form = pdfDoc.getForm();
    form.getTextField('client').setText('Ada Lovelace');
    form.getTextField('company').setText('Analytical Engines Ltd');
    form.getTextField('effective_date').setText('2026-11-27');
    form.getTextField('term').setText('24 months');
    form.getTextField('governing_law').setText('England and Wales');
  }
  pdflibAddPlaceholder({
    pdfDoc,
    reason: 'I agree to the terms',
    contactInfo: 'ada@example.com',
    name: 'Ada Lovelace',
    location: 'London',
  });
  const withPlaceholder = Buffer.from(await pdfDoc.save());
  const signer = new P12Signer(p12, { passphrase: 'signflow' });
  return signpdf.sign(withPlaceholder, signer);
}

async function measure(label, template, fill) {
  for (let i = 0; i < 5; i++) await fillAndSign(template, fill);  // warm up the JIT
  const start = process.hrtime.bigint();
  const cpuStart = process.cpuUsage();
  let docs = 0, bytes = 0;
  while (Number(process.hrtime.bigint() - start) / 1e9 < seconds) {
    bytes += (await fillAndSign(template, fill)).length;
    docs++;
  }
  const elapsed = Number(process.hrtime.bigint() - start) / 1e9;
  const cpu = process.cpuUsage(cpuStart);
  const cpuSeconds = (cpu.user + cpu.system) / 1e6;
  // docs per CPU-second: comparable with document_bench's CPU column even
  // when other work shares the machine.
  console.log(`${label}: ${(docs / elapsed).toFixed(1)} docs/s wall, ${(docs / cpuSeconds).toFixed(1)} docs per ` +
              `CPU-second (${docs} documents in ${elapsed.toFixed(1)} s, ${Math.round(bytes / docs)} bytes each)`);
}

const template = await makeTemplate();
await measure('pdf-lib fill + @signpdf sign', template, true);
await measure('@signpdf sign only         ', template, false);

// Stands in for the `form-data` package inside build/module.js. axios imports it for multipart bodies, which this
// extension never sends (attachments travel as URLs); the real package drags in mime-db (134 KB), which doubled the
// bundle and added ~15 ms to every cold load. Anything that does try multipart gets a clear error instead.
module.exports = class FormDataUnavailable {
  constructor() {
    throw new Error("multipart/form-data is not supported in the nice-cxone-handover bundle");
  }
};

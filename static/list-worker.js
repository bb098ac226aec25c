// flagdeck's list worker (src/web/platform/list_worker.rs says the protocol): builds the flag
// list's derived layer from a database image with the app's own wasm, which does not start its
// UI here, then holds it and answers the list's questions about it, off the page's thread.
let app = null;
self.onmessage = async ({ data }) => {
  if (data.action === 'build') {
    try {
      app = await import(data.glue);
      await app.default({ module_or_path: data.module });
      const image = data.image;
      // A Blob (a picked file on disk, the demo, a URL's bytes) is read a window at a time;
      // bytes in memory are viewed.
      const blob = image instanceof Blob;
      const reader = blob ? new FileReaderSync() : null;
      const read = (start, end) =>
        blob ? new Uint8Array(reader.readAsArrayBuffer(image.slice(start, end))) : image.subarray(start, end);
      const info = app.flagdeck_layer_build(read, blob ? image.size : image.length, data.shape);
      self.postMessage({ action: 'built', info });
    } catch (e) {
      app = null;
      self.postMessage({ action: 'failed', error: String(e?.message ?? e) });
    }
    return;
  }
  try {
    if (!app) throw new Error('the layer was not built');
    const answer = app.flagdeck_layer_answer(data.request);
    // An order's ids come as a Float64Array: its memory goes to the page, not a copy.
    self.postMessage({ id: data.id, answer }, answer instanceof Float64Array ? [answer.buffer] : []);
  } catch (e) {
    self.postMessage({ id: data.id, error: String(e?.message ?? e) });
  }
};

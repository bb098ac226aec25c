// flagdeck's stores worker (src/web/platform/stores_worker.rs says the protocol): reads the
// dashboard's stores from a database image (a copy of its bytes, or a Blob in memory) with the
// app's own wasm, which does not start its UI here, off the page's thread; hands them back as
// one transferred buffer and ends.
self.onmessage = async ({ data }) => {
  try {
    const app = await import(data.glue);
    await app.default({ module_or_path: data.module });
    // A picked file's bytes come copied; a URL's or the demo's as the Blob already in memory.
    const image = data.image instanceof Blob ? new Uint8Array(await data.image.arrayBuffer()) : data.image;
    const stores = app.flagdeck_read_stores(image, data.tools, data.flags);
    self.postMessage({ action: 'read', stores }, [stores.buffer]);
  } catch (e) {
    self.postMessage({ action: 'failed', error: String(e?.message ?? e) });
  }
  self.close();
};

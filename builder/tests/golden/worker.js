let wasm_bindgen = /* glue */ {};
const WASM_PATH = "worker.wasm";
const WASM_INTEGRITY = "sha384-vPB3s6MgYRVQfYnrelXEcvLs8w/fDRQ2AbiuJxmBvdg78kO4G+EP0Xjif5J7Q1ro";
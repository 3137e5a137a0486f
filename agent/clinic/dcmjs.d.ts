/**
 * Types for the parts of `dcmjs` (which ships none) the clinic uses to write and read DICOM Part 10:
 * naturalized datasets (keyword → value) in, bytes out, and back.
 */
declare module 'dcmjs' {
  type Dict = Record<string, unknown>;
  interface DicomDictInstance {
    meta: Dict;
    dict: Dict;
    write(options?: Dict): ArrayBuffer;
  }
  const dcmjs: {
    data: {
      DicomDict: new (meta: Dict) => DicomDictInstance;
      DicomMetaDictionary: {
        denaturalizeDataset(dataset: Dict): Dict;
        naturalizeDataset(dict: Dict): Dict;
      };
      DicomMessage: {
        readFile(buffer: ArrayBuffer, options?: Dict): DicomDictInstance;
      };
    };
  };
  export default dcmjs;
}

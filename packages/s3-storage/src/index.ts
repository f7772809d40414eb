export { type S3Credentials, type S3ExportStorageOptions, s3ExportStorage } from './s3-export-storage.js';

// Throwaway MongoDB wire-protocol server for MlDb tests.
//
//   node server.mjs --port <port> [--host 127.0.0.1] [--snapshot <file>]
//
// Runs congodb.CongoServer from @push.rocks/smartmongo (in-memory storage) and prints
//   MLDB_MONGO_READY mongodb://<host>:<port>/
// on stdout once it listens. On SIGTERM/SIGINT it closes every connection and exits 0.
// With --snapshot, the data is written to that file (canonical Extended JSON, so
// ObjectId, Date, Decimal128, Long, ... keep their types) when the server stops, and
// read back when it starts: tests/services/mongo.sh stop-server / start-server keep the data.
import { readFile, writeFile, rename } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { congodb } from '@push.rocks/smartmongo';

const { EJSON } = congodb.plugins.bson;

const { values } = parseArgs({
  options: {
    port: { type: 'string' },
    host: { type: 'string', default: '127.0.0.1' },
    snapshot: { type: 'string' },
  },
  strict: true,
});

const port = Number.parseInt(values.port ?? '', 10);
if (!Number.isInteger(port) || port <= 0 || port > 65535) {
  console.error('server.mjs: --port <1-65535> is required');
  process.exit(2);
}

const server = new congodb.CongoServer({ port, host: values.host });
const storage = server.getStorage();

async function restoreSnapshot(file) {
  const data = EJSON.parse(await readFile(file, 'utf8'), { relaxed: false });
  for (const [dbName, collections] of Object.entries(data.databases ?? {})) {
    for (const [collName, docs] of Object.entries(collections)) {
      await storage.createCollection(dbName, collName);
      for (const doc of docs) {
        await storage.insertOne(dbName, collName, doc);
      }
    }
  }
  for (const [dbName, collections] of Object.entries(data.indexes ?? {})) {
    const dbIndexes = storage.indexes.get(dbName);
    for (const [collName, indexes] of Object.entries(collections)) {
      if (dbIndexes) dbIndexes.set(collName, indexes);
    }
  }
}

async function writeSnapshot(file) {
  const data = { databases: {}, indexes: {} };
  for (const dbName of await storage.listDatabases()) {
    data.databases[dbName] = {};
    data.indexes[dbName] = {};
    for (const collName of await storage.listCollections(dbName)) {
      data.databases[dbName][collName] = await storage.findAll(dbName, collName);
      data.indexes[dbName][collName] = await storage.getIndexes(dbName, collName);
    }
  }
  const tmp = `${file}.tmp`;
  await writeFile(tmp, EJSON.stringify(data, { relaxed: false }));
  await rename(tmp, file);
}

let stopping = false;
async function shutdown(signal) {
  if (stopping) return;
  stopping = true;
  try {
    await server.stop();
    if (values.snapshot) await writeSnapshot(values.snapshot);
    process.exit(0);
  } catch (err) {
    console.error(`server.mjs: error while stopping on ${signal}: ${err?.stack ?? err}`);
    process.exit(1);
  }
}
process.on('SIGTERM', () => shutdown('SIGTERM'));
process.on('SIGINT', () => shutdown('SIGINT'));

try {
  if (values.snapshot && existsSync(values.snapshot)) await restoreSnapshot(values.snapshot);
  await server.start();
} catch (err) {
  console.error(`server.mjs: cannot start on ${values.host}:${port}: ${err?.message ?? err}`);
  process.exit(1);
}
console.log(`MLDB_MONGO_READY mongodb://${values.host}:${port}/`);

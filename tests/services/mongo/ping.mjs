// Exit 0 when a MongoDB server answers { ping: 1 } at the given URI, 1 otherwise.
//   node ping.mjs mongodb://127.0.0.1:<port>/ [timeoutMs]
import { MongoClient } from 'mongodb';

const uri = process.argv[2];
const timeoutMs = Number.parseInt(process.argv[3] ?? '2000', 10);
if (!uri) {
  console.error('usage: node ping.mjs <mongodb-uri> [timeoutMs]');
  process.exit(2);
}
const client = new MongoClient(uri, {
  serverSelectionTimeoutMS: timeoutMs,
  connectTimeoutMS: timeoutMs,
  directConnection: true,
});
try {
  await client.connect();
  const reply = await client.db('admin').command({ ping: 1 });
  process.exitCode = reply.ok === 1 ? 0 : 1;
} catch (err) {
  console.error(`ping ${uri}: ${err?.message ?? err}`);
  process.exitCode = 1;
} finally {
  await client.close().catch(() => {});
}

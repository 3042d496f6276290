// Probes what a MongoDB server supports, with the official driver.
//
//   node probe.mjs <mongodb-uri>        (tests/services/mongo.sh probe <statedir> runs it)
//
// Prints one line per check:
//   ok       <feature>                  a feature MlDb's tests rely on works
//   FAILED   <feature>: <error>         it does not (exit code 1)
//   limit    <behaviour>: <observed>    a known gap of the wire server is present
//   no-limit <behaviour>                that gap is absent (as on a real mongod)
// Works in a scratch database "mldb_probe" that it drops at the end.
import { MongoClient, ObjectId, Decimal128, Long, Double, Binary, UUID } from 'mongodb';

const uri = process.argv[2];
if (!uri) {
  console.error('usage: node probe.mjs <mongodb-uri>');
  process.exit(2);
}

const client = new MongoClient(uri, { directConnection: true, serverSelectionTimeoutMS: 5000 });
await client.connect();
const db = client.db('mldb_probe');
await db.dropDatabase();
const col = (name) => db.collection(name);
let failed = 0;

function equal(actual, expected) {
  return JSON.stringify(actual) === JSON.stringify(expected);
}

async function supports(feature, run, expected) {
  try {
    const actual = await run();
    if (equal(actual, expected)) {
      console.log(`ok       ${feature}`);
    } else {
      failed++;
      console.log(`FAILED   ${feature}: got ${JSON.stringify(actual)}, expected ${JSON.stringify(expected)}`);
    }
  } catch (err) {
    failed++;
    console.log(`FAILED   ${feature}: ${err?.message ?? err}`);
  }
}

// run() returns a description of the gap, or null when the server behaves like mongod.
async function limit(behaviour, run) {
  let observed;
  try {
    observed = await run();
  } catch (err) {
    observed = `error ${err?.code ?? ''} ${err?.message ?? err}`.replace(/\s+/g, ' ');
  }
  console.log(observed === null ? `no-limit ${behaviour}` : `limit    ${behaviour}: ${observed}`);
}

const seed = [
  { k: 'a', n: 1 },
  { k: 'b', n: 2 },
  { k: 'b', n: 3 },
  { k: 'c', n: 4 },
];

// ---------------------------------------------------------------- supported
await supports('ping', async () => (await db.command({ ping: 1 })).ok, 1);
await supports('insertOne', async () => (await col('t').insertOne({ k: 'z', n: 0 })).acknowledged, true);
await supports('insertMany', async () => (await col('t').insertMany(seed)).insertedCount, 4);
await supports('find with filter and limit',
  async () => (await col('t').find({ k: 'b' }).limit(1).toArray()).length, 1);
await supports('find with sort, skip, projection',
  async () => col('t').find({}, { projection: { _id: 0, n: 1 } }).sort({ n: -1 }).skip(1).limit(2).toArray(),
  [{ n: 3 }, { n: 2 }]);
await supports('find with $in/$or/$gte/regex',
  async () => col('t').countDocuments({ $or: [{ k: { $in: ['a'] } }, { n: { $gte: 4 } }, { k: /^z/ }] }), 3);
await supports('count command', async () => (await db.command({ count: 't', query: { k: 'b' } })).n, 2);
await supports('countDocuments', async () => col('t').countDocuments({}), 5);
await supports('estimatedDocumentCount', async () => col('t').estimatedDocumentCount(), 5);
await supports('distinct', async () => (await col('t').distinct('k')).sort(), ['a', 'b', 'c', 'z']);
await supports('aggregate $match/$group/$sum/$sort',
  async () => col('t').aggregate([
    { $match: { n: { $gte: 1 } } },
    { $group: { _id: '$k', total: { $sum: '$n' }, count: { $sum: 1 } } },
    { $sort: { _id: 1 } },
  ]).toArray(),
  [{ _id: 'a', total: 1, count: 1 }, { _id: 'b', total: 5, count: 2 }, { _id: 'c', total: 4, count: 1 }]);
await supports('aggregate $avg/$min/$max/$project/$limit/$count',
  async () => [
    await col('t').aggregate([{ $group: { _id: null, a: { $avg: '$n' }, lo: { $min: '$n' }, hi: { $max: '$n' } } }]).toArray(),
    await col('t').aggregate([{ $project: { n: 1 } }, { $limit: 3 }, { $count: 'c' }]).toArray(),
  ],
  [[{ _id: null, a: 2, lo: 0, hi: 4 }], [{ c: 3 }]]);
await supports('getMore (2500 documents in batches of 100)', async () => {
  await col('big').insertMany(Array.from({ length: 2500 }, (_, i) => ({ i })));
  return (await col('big').find({}).batchSize(100).toArray()).length;
}, 2500);
await supports('updateOne/updateMany/upsert/replaceOne', async () => [
  (await col('t').updateOne({ k: 'a' }, { $set: { x: 1 } })).modifiedCount,
  (await col('t').updateMany({ k: 'b' }, { $inc: { n: 10 } })).modifiedCount,
  (await col('t').updateOne({ k: 'q' }, { $set: { n: 9 } }, { upsert: true })).upsertedCount,
  (await col('t').replaceOne({ k: 'q' }, { k: 'q', n: 8 })).modifiedCount,
], [1, 2, 1, 1]);
await supports('deleteOne/deleteMany', async () => [
  (await col('t').deleteOne({ k: 'q' })).deletedCount,
  (await col('t').deleteMany({ k: 'b' })).deletedCount,
], [1, 2]);
await supports('duplicate _id rejected (E11000)', async () => {
  const _id = new ObjectId();
  await col('dup').insertOne({ _id });
  try {
    await col('dup').insertOne({ _id });
    return 'accepted';
  } catch (err) {
    return err.code;
  }
}, 11000);
await supports('createIndex/listIndexes/dropIndex', async () => {
  await col('t').createIndex({ n: 1 });
  const names = (await col('t').listIndexes().toArray()).map((i) => i.name);
  await col('t').dropIndex('n_1');
  return names;
}, ['_id_', 'n_1']);
await supports('listCollections', async () => (await db.listCollections().toArray()).map((c) => c.name).sort(),
  ['big', 'dup', 't']);
await supports('listCollections with a name filter',
  async () => (await db.listCollections({ name: 't' }).toArray()).map((c) => c.name), ['t']);
await supports('drop', async () => col('big').drop(), true);
await supports('listDatabases', async () =>
  (await client.db('admin').admin().listDatabases()).databases.some((d) => d.name === 'mldb_probe'), true);
await supports('types round-trip: Decimal128, Int64 > 2^53, Date, Binary, UUID, bool, null, array, subdocument',
  async () => {
    await col('types').insertOne({
      dec: Decimal128.fromString('12.345'), big: Long.fromString('9007199254740993'), date: new Date(86400000),
      bin: new Binary(Buffer.from('hi')), uuid: new UUID('0f8fad5b-d9cb-469f-a165-70867728950e'),
      yes: true, none: null, arr: [1, 'a'], sub: { x: { y: 1 } },
    });
    const d = await col('types').findOne({}, { promoteLongs: false });
    return [d.dec.toString(), d.big.toString(), d.date.toISOString(), Buffer.from(d.bin.buffer).toString(),
      d.uuid.toUUID().toString(), d.yes, d.none, d.arr, d.sub.x.y];
  },
  ['12.345', '9007199254740993', '1970-01-02T00:00:00.000Z', 'hi', '0f8fad5b-d9cb-469f-a165-70867728950e',
    true, null, [1, 'a'], 1]);
await supports('Decimal128 equality and range filters', async () => [
  await col('types').countDocuments({ dec: Decimal128.fromString('12.345') }),
  await col('types').countDocuments({ dec: { $gt: Decimal128.fromString('12') } }),
], [1, 1]);
await supports('dropDatabase', async () => db.dropDatabase(), true);

// ---------------------------------------------------------------- known limits
await limit('_id must be an ObjectId (non-hex string _id)', async () => {
  await col('ids').insertOne({ _id: 'abc' });
  return null;
});
await limit('_id must be an ObjectId (24-hex string _id)', async () => {
  await col('ids').insertOne({ _id: '0123456789abcdef01234567' });
  const d = await col('ids').findOne({});
  return typeof d._id === 'string' ? null : 'stored as an ObjectId, not as the string';
});
await limit('_id must be an ObjectId (number _id)', async () => {
  await col('ids2').insertOne({ _id: 5 });
  const d = await col('ids2').findOne({});
  return d._id === 5 ? null : `stored as ObjectId(${d._id}); find({_id: 5}) -> ${await col('ids2').countDocuments({ _id: 5 })} documents`;
});
await limit('$sum over Decimal128', async () => {
  await col('dec').insertMany([{ v: Decimal128.fromString('1.25') }, { v: Decimal128.fromString('2.5') }]);
  const [r] = await col('dec').aggregate([{ $group: { _id: null, s: { $sum: '$v' } } }]).toArray();
  return String(r.s) === '3.75' ? null : `1.25 + 2.5 = ${r.s}`;
});
await limit('$sum over Int64 beyond 2^53', async () => {
  await col('long').insertOne({ v: Long.fromString('9007199254740993') });
  const [r] = await col('long').aggregate([{ $group: { _id: null, s: { $sum: '$v' } } }]).toArray({});
  return String(r.s) === '9007199254740993' ? null : `sum of 9007199254740993 = ${r.s}`;
});
await limit('unique indexes are enforced', async () => {
  await col('u').createIndex({ e: 1 }, { unique: true });
  await col('u').insertOne({ e: 1 });
  try {
    await col('u').insertOne({ e: 1 });
  } catch (err) {
    return err.code === 11000 ? null : `error ${err.code}`;
  }
  return 'second {e: 1} accepted despite the unique index';
});
await limit('numeric BSON types kept (Double 5.0, Int64 5)', async () => {
  await col('num').insertOne({ d: new Double(5), l: Long.fromNumber(5) });
  const d = await col('num').findOne({}, { promoteValues: false });
  const kinds = `Double 5.0 -> ${d.d._bsontype}, Int64 5 -> ${d.l._bsontype}`;
  return d.d._bsontype === 'Double' && d.l._bsontype === 'Long' ? null : kinds;
});
await limit('aggregate $out / $merge', async () => {
  await col('dec').aggregate([{ $out: 'dec_copy' }]).toArray();
  return null;
});
await limit('transactions roll back on abort', async () => {
  const session = client.startSession();
  try {
    session.startTransaction();
    await col('tx').insertOne({ a: 1 }, { session });
    await session.abortTransaction();
  } finally {
    await session.endSession();
  }
  const n = await col('tx').countDocuments({});
  return n === 0 ? null : 'the aborted insert stayed';
});
await limit('explain', async () => {
  await col('dec').find({}).explain();
  return null;
});
await limit('buildInfo', async () => {
  await db.admin().buildInfo();
  return null;
});
await limit('authentication (credentials in the URI)', async () => {
  const u = new URL(uri);
  u.username = 'nobody';
  u.password = 'wrong';
  const other = new MongoClient(u.toString(), { directConnection: true, serverSelectionTimeoutMS: 3000 });
  try {
    await other.connect();
    await other.db('admin').command({ ping: 1 });
    return 'wrong credentials accepted';
  } catch (err) {
    return /auth/i.test(`${err?.message} ${err?.codeName}`) ? null : `login attempt fails: ${err?.message}`;
  } finally {
    await other.close().catch(() => {});
  }
});

await db.dropDatabase();
await client.close();
process.exitCode = failed === 0 ? 0 : 1;

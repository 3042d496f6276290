// Imported (never called) by @push.rocks/smartmongo's mongod launcher; the congodb wire server does not use it.
module.exports = {};

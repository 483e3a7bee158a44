// Run by compose's mongo-init one-shot (mongosh) on every `up`; safe to repeat.
//  1. initiate the replica set, or add members listed in RS_MEMBERS that it lacks;
//  2. wait for a primary;
//  3. create (or update the password of) the service's account: readWrite on its database only.
// Root's password and the service's come from compose secrets.
const fs = require('fs');
const secret = (name) => fs.readFileSync('/run/secrets/' + name, 'utf8').trim();

const admin = db.getSiblingDB('admin');
admin.auth('root', secret('mongo_root_password'));

const rsName = process.env.RS_NAME || 'rs0';
const members = (process.env.RS_MEMBERS || 'mongo:27017').split(',').map((s) => s.trim()).filter(Boolean);

function waitForPrimary() {
  for (let i = 0; i < 240; i++) {
    if (db.hello().isWritablePrimary) return;
    sleep(500);
  }
  throw new Error('no primary after 120 s; see rs.status()');
}

let initiated = true;
try {
  rs.status();
} catch (e) {
  if (e.codeName !== 'NotYetInitialized' && e.code !== 94) throw e;
  initiated = false;
}
if (!initiated) {
  rs.initiate({ _id: rsName, members: members.map((host, i) => ({ _id: i, host, priority: i === 0 ? 2 : 1 })) });
  print('mongo-init: replica set ' + rsName + ' initiated with ' + members.join(', '));
}
waitForPrimary();
const have = rs.conf().members.map((m) => m.host);
for (const host of members) {
  if (!have.includes(host)) {
    rs.add({ host });
    print('mongo-init: added ' + host);
  }
}

const user = 'qnfeedback';
const roles = [{ role: 'readWrite', db: process.env.APP_DATABASE || 'qnfeedback' }];
const pwd = secret('mongo_app_password');
if (admin.getUser(user)) {
  admin.updateUser(user, { pwd, roles });
  print('mongo-init: user ' + user + ' updated');
} else {
  admin.createUser({ user, pwd, roles });
  print('mongo-init: user ' + user + ' created');
}

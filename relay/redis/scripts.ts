/**
 * The Lua scripts through which relay instances change what they share in Redis. Each runs
 * atomically, so every decision about membership (a seat in a room, an id's one room, a takeover, a
 * grace running out) and the notices it causes are one step that no other instance can interleave
 * with. docs/scaling.md describes the keys and the channels.
 *
 * Every script takes the key prefix as ARGV[1] and builds its keys from it (they name rooms and peers
 * it only learns while it runs), so it needs a single Redis (or a primary with replicas), not a
 * Redis Cluster.
 *
 * Notices to other instances go to their channel (`<prefix>to:<instance>`), as text:
 * - `d<id><text>`: deliver `text` (a relay message) to the local peer `id` (ids are 16 characters);
 * - `c<json>`: a control notice, `{"type": ...}` (see `Notice` in directory.ts).
 * A script tells the other instances; the instance that ran it applies the same change to its own
 * peers as the reply arrives, so its own peers never wait for Redis to hear about each other.
 */

/** Shared by every script: keys, the clock, room entries and notices. */
const PRELUDE = `
local prefix = ARGV[1]
local function key(...) return prefix .. table.concat({...}) end

-- Redis's clock, so that instances whose clocks differ agree on heartbeats and graces.
local function now()
  local time = redis.call('TIME')
  return tonumber(time[1]) * 1000 + math.floor(tonumber(time[2]) / 1000)
end

-- A member's entry in its room's hash: {instance, name, since, caps, nameFixed, lost}. caps is the
-- JSON text of its list, kept as text (cjson would re-encode an empty list as {}).
local function entryOf(room, id)
  local raw = redis.call('HGET', key('room:', room), id)
  if raw then return cjson.decode(raw) end
  return nil
end
local function putEntry(room, id, entry)
  redis.call('HSET', key('room:', room), id, cjson.encode(entry))
end

local function tell(instance, notice)
  redis.call('PUBLISH', key('to:', instance), notice)
end
local function control(notice) return 'c' .. cjson.encode(notice) end

-- The instances that hold a member of room (other than exceptId), each once, as a set.
local function instancesOf(room, exceptId)
  local instances = {}
  local members = redis.call('HGETALL', key('room:', room))
  for i = 1, #members, 2 do
    if members[i] ~= exceptId then instances[cjson.decode(members[i + 1]).instance] = true end
  end
  return instances
end

-- Tells each instance of the set but skip (the caller, which applies the change itself).
local function tellAll(instances, skip, notice)
  for instance in pairs(instances) do
    if instance ~= skip then tell(instance, notice) end
  end
end

-- Signals held for a peer in its grace: the list held:<id>, its bytes in the hash held-bytes (by
-- id), and the totals of every peer's in the hash held-total (signals, bytes), which the caps and
-- the metrics read. Bytes are Lua's string lengths: the UTF-8 bytes of the texts.

-- Holds text for id if it fits under the caps (signals and bytes for one peer, bytes for all);
-- false when it does not.
local function hold(id, text, maxHeld, maxPeerBytes, maxBytes)
  local size = #text
  local peerBytes = tonumber(redis.call('HGET', key('held-bytes'), id)) or 0
  local allBytes = tonumber(redis.call('HGET', key('held-total'), 'bytes')) or 0
  if redis.call('LLEN', key('held:', id)) >= maxHeld or peerBytes + size > maxPeerBytes or allBytes + size > maxBytes then
    return false
  end
  redis.call('RPUSH', key('held:', id), text)
  redis.call('HINCRBY', key('held-bytes'), id, size)
  redis.call('HINCRBY', key('held-total'), 'signals', 1)
  redis.call('HINCRBY', key('held-total'), 'bytes', size)
  return true
end

-- Forgets what is held for id (handed over, or it left).
local function dropHeld(id)
  local signals = redis.call('LLEN', key('held:', id))
  if signals == 0 then return end
  local bytes = tonumber(redis.call('HGET', key('held-bytes'), id)) or 0
  redis.call('DEL', key('held:', id))
  redis.call('HDEL', key('held-bytes'), id)
  redis.call('HINCRBY', key('held-total'), 'signals', -signals)
  redis.call('HINCRBY', key('held-total'), 'bytes', -bytes)
end

-- Removes id from room and tells the room's instances, and the instance that held it, but skip.
local function remove(room, id, entry, skip)
  redis.call('HDEL', key('room:', room), id)
  redis.call('DEL', key('peer:', id))
  dropHeld(id)
  redis.call('ZREM', key('grace'), id)
  redis.call('SREM', key('instance:', entry.instance), id)
  local instances = instancesOf(room, id)
  instances[entry.instance] = true
  tellAll(instances, skip, control({type = 'left', room = room, id = id}))
end

-- Open connections per client address: the hash connections holds the deployment's (by address)
-- and connections:<instance> each instance's share of them, so that what an instance counted goes
-- with it when it dies or retires, and its sync can put it back.

-- Takes n of instance's connections from address off both counts.
local function uncount(instance, address, n)
  if redis.call('HINCRBY', key('connections:', instance), address, -n) <= 0 then
    redis.call('HDEL', key('connections:', instance), address)
  end
  if redis.call('HINCRBY', key('connections'), address, -n) <= 0 then
    redis.call('HDEL', key('connections'), address)
  end
end

-- Forgets every connection instance counted (it died, retires, or is about to count them anew).
local function forgetConnections(instance)
  local counts = redis.call('HGETALL', key('connections:', instance))
  for i = 1, #counts, 2 do uncount(instance, counts[i], tonumber(counts[i + 1])) end
end

-- The members of room other than exceptId, as {id, name, caps, since, instance}.
local function membersOf(room, exceptId)
  local list = {}
  local members = redis.call('HGETALL', key('room:', room))
  for i = 1, #members, 2 do
    if members[i] ~= exceptId then
      local entry = cjson.decode(members[i + 1])
      list[#list + 1] = {
        id = members[i], name = entry.name, caps = entry.caps, since = entry.since, instance = entry.instance
      }
    end
  end
  return list
end

-- A peer-joined notice for the room's other instances.
local function joinedNotice(room, id, entry)
  return control({type = 'joined', room = room, id = id, name = entry.name, caps = entry.caps, instance = entry.instance})
end
`;

/**
 * join(prefix, me, room, id, name, maxPeers, caps, nameFixed, address, joinsPerMinute) -> JSON
 * {outcome, name, caps, nameFixed, others, held, oldRoom}; caps is the JSON text of the list or ''
 * for none, nameFixed 1 or 0, address the client's ('' for none).
 * - `too-many-joins`: the address's join bucket, one for the whole deployment, is empty; nothing
 *   else changes. Every join (a resume too) takes one from it.
 * - `resumed`: the id was in this room (connected or in its grace): it is ours now, with the name,
 *   caps and nameFixed it joined with; its old instance is told `replaced`; what was held for it is
 *   handed over.
 * - `joined`: a fresh seat; an id in another room leaves that room first (one id, one room).
 * - `room-full`.
 */
const JOIN = `${PRELUDE}
local me, room, id, name, maxPeers = ARGV[2], ARGV[3], ARGV[4], ARGV[5], tonumber(ARGV[6])
local caps, nameFixed = ARGV[7], ARGV[8] == '1'
local address, joinsPerMinute = ARGV[9], tonumber(ARGV[10])

-- A token bucket of joinsPerMinute joins, refilled evenly over the minute, as addresses.ts keeps one
-- per instance: the hash join-bucket:<address> {tokens, at}. It is full again a minute after its
-- last join at the latest, and a full bucket is as good as none, so it expires then.
local function takeJoin()
  local bucket = key('join-bucket:', address)
  local t = now()
  local state = redis.call('HMGET', bucket, 'tokens', 'at')
  local tokens = tonumber(state[1]) or joinsPerMinute
  local earned = (t - (tonumber(state[2]) or t)) * joinsPerMinute / 60000
  tokens = math.min(joinsPerMinute, tokens + earned)
  if tokens < 1 then return false end
  redis.call('HSET', bucket, 'tokens', tostring(tokens - 1), 'at', t)
  redis.call('PEXPIRE', bucket, 60000)
  return true
end

if address ~= '' and not takeJoin() then return cjson.encode({outcome = 'too-many-joins'}) end
local current = redis.call('GET', key('peer:', id))
if current == room then
  local entry = entryOf(room, id)
  if entry then
    if entry.instance ~= me then
      tell(entry.instance, control({type = 'replaced', id = id, instance = me}))
      redis.call('SREM', key('instance:', entry.instance), id)
      redis.call('SADD', key('instance:', me), id)
    end
    entry.instance = me
    entry.lost = nil
    putEntry(room, id, entry)
    redis.call('ZREM', key('grace'), id)
    local held = redis.call('LRANGE', key('held:', id), 0, -1)
    dropHeld(id)
    return cjson.encode({
      outcome = 'resumed', name = entry.name, caps = entry.caps, nameFixed = entry.nameFixed,
      others = membersOf(room, id), held = held
    })
  end
end
if redis.call('HLEN', key('room:', room)) >= maxPeers then
  return cjson.encode({outcome = 'room-full'})
end
local oldRoom = ''
if current then
  local old = entryOf(current, id)
  if old then
    if old.instance ~= me then tell(old.instance, control({type = 'replaced', id = id, instance = me})) end
    remove(current, id, old, me)
    oldRoom = current
  end
end
local entry = {instance = me, name = name, since = redis.call('INCR', key('joins'))}
if caps ~= '' then entry.caps = caps end
if nameFixed then entry.nameFixed = true end
putEntry(room, id, entry)
redis.call('SET', key('peer:', id), room)
redis.call('SADD', key('instance:', me), id)
tellAll(instancesOf(room, id), me, joinedNotice(room, id, entry))
return cjson.encode({outcome = 'joined', others = membersOf(room, id), oldRoom = oldRoom})
`;

/**
 * signal(prefix, me, room, from, to, text, maxHeld, maxPeerBytes, maxBytes)
 *   -> 'sent' | 'held' | 'held-full' | 'no-such-peer'
 * Delivered to the instance holding `to`, or held while `to` is in its grace if it fits under the
 * caps (the prelude's hold(), written out). A sender that is not this instance's member of the room
 * any more (taken over elsewhere) sends nothing.
 * The one script per message: it does without the prelude, whose functions Lua would build anew at
 * every call (about half of this script's cost).
 */
const SIGNAL = `
local prefix, me, room, from, to, text = ARGV[1], ARGV[2], ARGV[3], ARGV[4], ARGV[5], ARGV[6]
local members = redis.call('HMGET', prefix .. 'room:' .. room, from, to)
if not members[1] or not members[2] then return 'no-such-peer' end
if cjson.decode(members[1]).instance ~= me then return 'no-such-peer' end
local target = cjson.decode(members[2])
if target.lost then
  local maxHeld, maxPeerBytes, maxBytes = tonumber(ARGV[7]), tonumber(ARGV[8]), tonumber(ARGV[9])
  local held, heldBytes, heldTotal = prefix .. 'held:' .. to, prefix .. 'held-bytes', prefix .. 'held-total'
  local size = #text
  local peerBytes = tonumber(redis.call('HGET', heldBytes, to)) or 0
  local allBytes = tonumber(redis.call('HGET', heldTotal, 'bytes')) or 0
  if redis.call('LLEN', held) >= maxHeld or peerBytes + size > maxPeerBytes or allBytes + size > maxBytes then
    return 'held-full'
  end
  redis.call('RPUSH', held, text)
  redis.call('HINCRBY', heldBytes, to, size)
  redis.call('HINCRBY', heldTotal, 'signals', 1)
  redis.call('HINCRBY', heldTotal, 'bytes', size)
  return 'held'
end
redis.call('PUBLISH', prefix .. 'to:' .. target.instance, 'd' .. to .. text)
return 'sent'
`;

/**
 * lose(prefix, me, room, id, grace, maxHeld, maxPeerBytes, maxBytes, ...undelivered) -> 1 | 0
 * The connection is gone without a goodbye: the peer keeps its place until the grace runs out
 * (any instance's sweep ends it then). What its connection never delivered is held, oldest first,
 * up to the first signal that does not fit under the caps, as in memory.
 */
const LOSE = `${PRELUDE}
local me, room, id, grace = ARGV[2], ARGV[3], ARGV[4], tonumber(ARGV[5])
local maxHeld, maxPeerBytes, maxBytes = tonumber(ARGV[6]), tonumber(ARGV[7]), tonumber(ARGV[8])
local entry = entryOf(room, id)
if not entry or entry.instance ~= me then return 0 end
entry.lost = true
putEntry(room, id, entry)
redis.call('ZADD', key('grace'), now() + grace, id)
for i = 9, #ARGV do
  if not hold(id, ARGV[i], maxHeld, maxPeerBytes, maxBytes) then break end
end
return 1
`;

/**
 * rename(prefix, me, room, id, name) -> 1 | 0: the peer takes another name, in its entry (later
 * welcomes list it), and the room's other instances are told. A peer that is not this instance's
 * (taken over elsewhere meanwhile) keeps its name.
 */
const RENAME = `${PRELUDE}
local me, room, id, name = ARGV[2], ARGV[3], ARGV[4], ARGV[5]
local entry = entryOf(room, id)
if not entry or entry.instance ~= me then return 0 end
entry.name = name
putEntry(room, id, entry)
tellAll(instancesOf(room, id), me, control({type = 'renamed', room = room, id = id, name = name}))
return 1
`;

/** leave(prefix, me, room, id) -> 1 | 0: the peer ends; the room's other instances are told. */
const LEAVE = `${PRELUDE}
local me, room, id = ARGV[2], ARGV[3], ARGV[4]
local entry = entryOf(room, id)
if not entry or entry.instance ~= me then return 0 end
remove(room, id, entry, me)
return 1
`;

/**
 * admit(prefix, me, address, max) -> 1 | 0: counts a new connection of this instance from address,
 * unless the deployment holds max connections from it already (0: not counted).
 */
const ADMIT = `${PRELUDE}
local me, address, max = ARGV[2], ARGV[3], tonumber(ARGV[4])
if (tonumber(redis.call('HGET', key('connections'), address)) or 0) >= max then return 0 end
redis.call('HINCRBY', key('connections'), address, 1)
redis.call('HINCRBY', key('connections:', me), address, 1)
return 1
`;

/**
 * release(prefix, me, address) -> 1 | 0: one of this instance's connections from address ended. 0
 * when Redis counts none of ours from it (it lost its data, or took us for dead): the sync that
 * follows counts what is open, so nothing goes below zero.
 */
const RELEASE = `${PRELUDE}
local me, address = ARGV[2], ARGV[3]
if not redis.call('HGET', key('connections:', me), address) then return 0 end
uncount(me, address, 1)
return 1
`;

/**
 * sweep(prefix, me, instanceTimeout, grace) -> [unknown, heldSignals, heldBytes]
 * unknown is 1 when Redis does not know this instance (it has not synced yet, or was taken for dead,
 * or Redis lost its data): it must sync, which registers it; then nothing else is done. Otherwise
 * 0: this instance's heartbeat; the peers of instances that missed theirs become lost (their grace
 * starts) and their connections stop counting; the peers whose grace ran out leave. Any instance
 * may run it: each step happens once. What is held for all peers comes back either way (for the
 * metrics).
 */
const SWEEP = `${PRELUDE}
local me, timeout, grace = ARGV[2], tonumber(ARGV[3]), tonumber(ARGV[4])
local t = now()
local function reply(unknown)
  local held = redis.call('HMGET', key('held-total'), 'signals', 'bytes')
  return {unknown, tonumber(held[1]) or 0, tonumber(held[2]) or 0}
end
if not redis.call('ZSCORE', key('instances'), me) then return reply(1) end
redis.call('ZADD', key('instances'), t + timeout, me)
for _, instance in ipairs(redis.call('ZRANGEBYSCORE', key('instances'), '-inf', t)) do
  redis.call('ZREM', key('instances'), instance)
  forgetConnections(instance)
  for _, id in ipairs(redis.call('SMEMBERS', key('instance:', instance))) do
    local room = redis.call('GET', key('peer:', id))
    local entry = room and entryOf(room, id)
    if entry and entry.instance == instance then
      if not entry.lost then
        entry.lost = true
        putEntry(room, id, entry)
        redis.call('ZADD', key('grace'), t + grace, id)
      end
    else
      redis.call('SREM', key('instance:', instance), id)
    end
  end
end
for _, id in ipairs(redis.call('ZRANGEBYSCORE', key('grace'), '-inf', t, 'LIMIT', 0, 256)) do
  redis.call('ZREM', key('grace'), id)
  local room = redis.call('GET', key('peer:', id))
  local entry = room and entryOf(room, id)
  if entry and entry.lost then remove(room, id, entry, nil) end
end
return reply(0)
`;

/**
 * sync(prefix, me, grace, instanceTimeout, sessionsJson, maxHeld, maxPeerBytes, maxBytes, connectionsJson)
 *   -> JSON {replaced, rooms}
 * At the start, and after Redis was away (or lost its data, or took this instance for dead): puts
 * this instance's sessions back as they are here (under the names they have here: renamed while
 * Redis was away, the others are told), removes those it held that ended meanwhile,
 * registers the instance (so a registered instance is one whose sessions are in Redis), and answers
 * every room's members so the instance can tell its peers what changed.
 * A lost session's `held`, the signals this instance held for it in its memory while Redis was away,
 * are handed over (handOver), so that a resume on any instance gets them. connectionsJson,
 * {address: count}, is what this instance has open now: its counts become those.
 */
const SYNC = `${PRELUDE}
local me, grace, timeout = ARGV[2], tonumber(ARGV[3]), tonumber(ARGV[4])
local sessions = cjson.decode(ARGV[5])
local maxHeld, maxPeerBytes, maxBytes = tonumber(ARGV[6]), tonumber(ARGV[7]), tonumber(ARGV[8])
local t = now()
forgetConnections(me)
for address, count in pairs(cjson.decode(ARGV[9])) do
  redis.call('HINCRBY', key('connections'), address, count)
  redis.call('HINCRBY', key('connections:', me), address, count)
end

-- Signals for id, sent while Redis was away: after what Redis holds for it already (sent earlier),
-- up to the first that does not fit under the caps, as lose does; or, when it resumed on another
-- instance meanwhile (entry: its place in the same room), delivered there.
local function handOver(id, entry, texts)
  for _, text in ipairs(texts) do
    if entry.lost then
      if not hold(id, text, maxHeld, maxPeerBytes, maxBytes) then return end
    else
      tell(entry.instance, 'd' .. id .. text)
    end
  end
end
redis.call('ZADD', key('instances'), t + timeout, me)
local mine, replaced, rooms = {}, {}, {}
for _, session in ipairs(sessions) do
  local room, id = session.room, session.id
  local current = redis.call('GET', key('peer:', id))
  local entry = entryOf(room, id)
  if (entry and entry.instance ~= me) or (current and current ~= room) then
    -- It resumed elsewhere meanwhile: the instance that holds it now. Signals from this room go
    -- after it only in this room.
    local holder = entry or entryOf(current, id)
    replaced[#replaced + 1] = {id = id, instance = holder and holder.instance or ''}
    if entry and session.held then handOver(id, entry, session.held) end
  else
    mine[id] = true
    local fresh = entry == nil
    local renamed = not fresh and entry.name ~= session.name
    if fresh then
      entry = {
        instance = me, name = session.name, caps = session.caps, nameFixed = session.nameFixed or nil,
        since = redis.call('INCR', key('joins'))
      }
      redis.call('SET', key('peer:', id), room)
      redis.call('SADD', key('instance:', me), id)
    end
    entry.name = session.name
    if session.lost then
      if not entry.lost then redis.call('ZADD', key('grace'), t + grace, id) end
      entry.lost = true
    else
      entry.lost = nil
      redis.call('ZREM', key('grace'), id)
    end
    putEntry(room, id, entry)
    if session.held then handOver(id, entry, session.held) end
    if fresh then
      tellAll(instancesOf(room, id), me, joinedNotice(room, id, entry))
    elseif renamed then
      tellAll(instancesOf(room, id), me, control({type = 'renamed', room = room, id = id, name = entry.name}))
    end
    rooms[room] = true
  end
end
for _, id in ipairs(redis.call('SMEMBERS', key('instance:', me))) do
  if not mine[id] then
    local room = redis.call('GET', key('peer:', id))
    local entry = room and entryOf(room, id)
    if entry and entry.instance == me then remove(room, id, entry, me)
    else redis.call('SREM', key('instance:', me), id) end
  end
end
local members = {}
for room in pairs(rooms) do members[room] = membersOf(room, nil) end
return cjson.encode({replaced = replaced, rooms = members})
`;

/**
 * check(prefix, peersJson) -> JSON list, one per peer {room, id, instance}: 'present' (in the room),
 * 'gone' (not in the room, though its instance has synced), or 'unknown' (its instance has not).
 * For members elsewhere that a sync did not find: after Redis lost its data, their instance may
 * simply not have put them back yet.
 */
const CHECK = `${PRELUDE}
local answers = {}
for i, peer in ipairs(cjson.decode(ARGV[2])) do
  if redis.call('HEXISTS', key('room:', peer.room), peer.id) == 1 then answers[i] = 'present'
  elseif redis.call('ZSCORE', key('instances'), peer.instance) then answers[i] = 'gone'
  else answers[i] = 'unknown' end
end
return cjson.encode(answers)
`;

/**
 * retire(prefix, me): this instance shuts down; its peers are lost (their clients resume here or
 * elsewhere within the grace, and the others see nothing), its connections stop counting, and it is
 * no longer an instance.
 */
const RETIRE = `${PRELUDE}
local me, grace = ARGV[2], tonumber(ARGV[3])
local t = now()
for _, id in ipairs(redis.call('SMEMBERS', key('instance:', me))) do
  local room = redis.call('GET', key('peer:', id))
  local entry = room and entryOf(room, id)
  if entry and entry.instance == me and not entry.lost then
    entry.lost = true
    putEntry(room, id, entry)
    redis.call('ZADD', key('grace'), t + grace, id)
  end
end
forgetConnections(me)
redis.call('ZREM', key('instances'), me)
return 1
`;

/** The scripts by the command names ioredis defines for them (`defineCommand`). */
export const SCRIPTS = {
  rtcJoin: JOIN,
  rtcSignal: SIGNAL,
  rtcLose: LOSE,
  rtcRename: RENAME,
  rtcLeave: LEAVE,
  rtcAdmit: ADMIT,
  rtcRelease: RELEASE,
  rtcSweep: SWEEP,
  rtcSync: SYNC,
  rtcCheck: CHECK,
  rtcRetire: RETIRE,
} as const;

/** A member of a room as the join and sync scripts answer it. */
export interface MemberEntry {
  id: string;
  name: string;
  /** The JSON text of its capabilities list, when its join token set them. */
  caps?: string;
  /** Join order across instances (`welcome.peers` is oldest first). */
  since: number;
  instance: string;
}

export interface JoinReply {
  outcome: 'resumed' | 'joined' | 'room-full' | 'too-many-joins';
  /** The name the session has (`resumed`): the one it joined with, or its last `rename`. */
  name?: string;
  /** The JSON text of its capabilities list, when its join token set them (`resumed`). */
  caps?: string;
  /** Its join token named it (`resumed`). */
  nameFixed?: boolean;
  others?: MemberEntry[] | Record<string, never>;
  held?: string[] | Record<string, never>;
  /** The room the id left to join this one ('' when none). */
  oldRoom?: string;
}

/** [1 when Redis does not know this instance (else 0), signals held for all peers, their bytes]. */
export type SweepReply = [unknown: number, heldSignals: number, heldBytes: number];

export type CheckAnswer = 'present' | 'gone' | 'unknown';

export interface SyncReply {
  /** Sessions of ours that resumed elsewhere while Redis was away, and where they are now. */
  replaced: { id: string; instance: string }[] | Record<string, never>;
  rooms: Record<string, MemberEntry[] | Record<string, never>>;
}

/** Lua's cjson writes an empty table as `{}`: read such a value as the empty list it is. */
export function listOf<T>(value: T[] | Record<string, never> | undefined): T[] {
  return Array.isArray(value) ? value : [];
}

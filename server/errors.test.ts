import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { instanceCreateSchema, topicNameSchema } from '@/lib/schemas';
import { AppError, isUniqueViolation, parseInput, ValidationError } from './errors';

describe('AppError', () => {
  it('carries the code, key, params and field; its message is the English text', () => {
    const err = new AppError('CONFLICT', 'e.duplicate.topic', { name: 'Orders' }, 'name');
    assert.equal(err.code, 'CONFLICT');
    assert.equal(err.key, 'e.duplicate.topic');
    assert.deepEqual(err.params, { name: 'Orders' });
    assert.deepEqual(err.fieldErrors, { name: 'e.duplicate.topic' });
    assert.equal(err.message, 'The parent topic "Orders" already exists in this instance. Names must be unique per instance.');
    assert.deepEqual(new AppError('NOT_FOUND', 'e.notFound.accessKey', { id: 'x' }).fieldErrors, {});
  });
});

describe('parseInput', () => {
  it('returns the parsed value', () => {
    assert.equal(parseInput(topicNameSchema, ' Orders '), 'Orders');
  });

  it('throws a ValidationError with one key per field and readable English', () => {
    assert.throws(
      () => parseInput(instanceCreateSchema, { name: 'x', maxConnections: 1, maxTps: 100, maxSubscriptions: 1000 }),
      (err: ValidationError) => {
        assert.ok(err instanceof ValidationError);
        assert.ok(err instanceof AppError);
        assert.equal(err.code, 'BAD_REQUEST');
        assert.deepEqual(err.fieldErrors, { name: 'v.instanceName.length', maxConnections: 'v.spec.maxConnections' });
        assert.ok(Object.values(err.fieldErrors).includes(err.key));
        assert.match(err.message, /name: The name must be 3-64 characters long\./);
        assert.match(err.message, /maxConnections: Choose a maximum number of connections/);
        return true;
      },
    );
  });

  it('a bare value fails on the "_" field', () => {
    assert.throws(
      () => parseInput(topicNameSchema, 'a/b'),
      (err: ValidationError) => err.fieldErrors._ === 'v.topicName.chars' && err.key === 'v.topicName.chars',
    );
  });
});

describe('isUniqueViolation', () => {
  it('recognises SQLite unique constraint errors only', () => {
    assert.equal(isUniqueViolation(Object.assign(new Error('x'), { code: 'SQLITE_CONSTRAINT_UNIQUE' })), true);
    assert.equal(isUniqueViolation(Object.assign(new Error('x'), { code: 'SQLITE_CONSTRAINT_FOREIGNKEY' })), false);
    assert.equal(isUniqueViolation(new Error('x')), false);
    assert.equal(isUniqueViolation(null), false);
    assert.equal(isUniqueViolation('SQLITE_CONSTRAINT_UNIQUE'), false);
  });
});

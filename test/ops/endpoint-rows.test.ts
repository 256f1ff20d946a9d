import { endpointRows } from '../../lib/ops/endpoint-rows';

const columns = { target: 'price', features: ['sqft', 'rooms', 'age'] };

describe('endpointRows: a CSV as the served model reads it', () => {
  test('under a header, the features are picked by name in the model order and the target is dropped', () => {
    const csv = 'age,price,rooms,sqft\n10,250000,3,1500\n2,410000,5,2500\n';
    expect(endpointRows(csv, columns, 'rows.csv')).toEqual(['1500,3,10', '2500,5,2']);
  });

  test('rows without a header go as they are when they have one value per feature', () => {
    expect(endpointRows('1500,3,10\r\n\n2500,5,2\n', columns, 'rows.csv')).toEqual(['1500,3,10', '2500,5,2']);
  });

  test('a header is recognized by naming the features even without the target', () => {
    expect(endpointRows('sqft,rooms,age\n1500,3,10\n', columns, 'rows.csv')).toEqual(['1500,3,10']);
  });

  test('a header and values quoted as spreadsheets and pandas write them are read as CSV', () => {
    const csv = '"age","price","rooms","sqft"\n10,"250,000",3,"1500"\n';
    expect(endpointRows(csv, columns, 'rows.csv')).toEqual(['1500,3,10']);
    expect(endpointRows('"a ""b""",price\n"x,y",1\n', { target: 'price' }, 'rows.csv')).toEqual(['"x,y"']);
  });

  test('with the features unknown, a header line is dropped and so is the target column', () => {
    const csv = 'a,b,price\n1,2,3\n4,5,6\n';
    expect(endpointRows(csv, { target: 'price' }, 'rows.csv')).toEqual(['1,2', '4,5']);
    expect(endpointRows('x,y\n1,2\n', { target: 'price' }, 'rows.csv')).toEqual(['1,2']);
    expect(endpointRows('1,2\n3,4\n', { target: 'price' }, 'rows.csv')).toEqual(['1,2', '3,4']);
  });

  test.each([
    ['', /rows\.csv has no rows/],
    ['\n\n', /rows\.csv has no rows/],
    ['sqft,rooms,age,price\n', /rows\.csv has a header and no rows/],
    [
      'sqft,rooms,price\n1,2,3\n',
      /the header of rows\.csv \(sqft, rooms, price\) lacks age: the served model reads sqft, rooms, age/,
    ],
    ['1500,3\n', /rows\.csv line 1: 2 values, but the served model reads 3 features \(sqft, rooms, age\)/],
    ['sqft,rooms,age\n1,2,3\n4,5\n', /rows\.csv line 3: 2 values under a header of 3/],
  ])('%j is refused in one line', (csv, message) => {
    expect(() => endpointRows(csv, columns, 'rows.csv')).toThrow(message);
  });
});

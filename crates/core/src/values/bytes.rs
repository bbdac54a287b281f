//! Reading the program's own binary assets (the basemap, the IP data): little-endian
//! integers and LEB128 varints, every read checked against the end, so that a damaged
//! asset is an error and never a panic.

/// A read past the end (or a varint longer than its type), at this byte offset.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Truncated(pub usize);

/// A cursor over bytes.
pub struct ByteReader<'a> {
    bytes: &'a [u8],
    at: usize,
}

impl<'a> ByteReader<'a> {
    pub fn new(bytes: &'a [u8]) -> Self {
        ByteReader { bytes, at: 0 }
    }

    /// How many bytes there are in all.
    pub fn len(&self) -> usize {
        self.bytes.len()
    }

    pub fn is_empty(&self) -> bool {
        self.bytes.is_empty()
    }

    pub fn take(&mut self, n: usize) -> Result<&'a [u8], Truncated> {
        let end = self.at.checked_add(n).filter(|&e| e <= self.bytes.len());
        let end = end.ok_or(Truncated(self.at))?;
        let taken = &self.bytes[self.at..end];
        self.at = end;
        Ok(taken)
    }

    fn array<const N: usize>(&mut self) -> Result<[u8; N], Truncated> {
        Ok(self.take(N)?.try_into().expect("N bytes"))
    }

    pub fn u8(&mut self) -> Result<u8, Truncated> {
        Ok(self.take(1)?[0])
    }

    pub fn u16(&mut self) -> Result<u16, Truncated> {
        self.array().map(u16::from_le_bytes)
    }

    pub fn u32(&mut self) -> Result<u32, Truncated> {
        self.array().map(u32::from_le_bytes)
    }

    pub fn f32(&mut self) -> Result<f32, Truncated> {
        self.array().map(f32::from_le_bytes)
    }

    /// An unsigned LEB128 varint of up to 128 bits.
    pub fn varint(&mut self) -> Result<u128, Truncated> {
        let mut value = 0u128;
        for shift in (0..128).step_by(7) {
            let byte = self.u8()?;
            value |= u128::from(byte & 0x7f) << shift;
            if byte & 0x80 == 0 {
                return Ok(value);
            }
        }
        Err(Truncated(self.at))
    }

    /// A zigzag-encoded signed varint of up to 64 bits.
    pub fn zigzag(&mut self) -> Result<i64, Truncated> {
        let value = self.varint()?;
        let value = u64::try_from(value).map_err(|_| Truncated(self.at))?;
        Ok((value >> 1) as i64 ^ -((value & 1) as i64))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_integers_and_varints_and_stops_at_the_end() {
        let mut r = ByteReader::new(&[0x34, 0x12, 0xac, 0x02, 0x03, 0xff]);
        assert_eq!(r.u16(), Ok(0x1234));
        assert_eq!(r.varint(), Ok(300));
        assert_eq!(r.zigzag(), Ok(-2));
        assert_eq!(r.varint(), Err(Truncated(6)));
        assert_eq!(ByteReader::new(&[1, 2, 3]).u32(), Err(Truncated(0)));
        assert_eq!(ByteReader::new(&[0x80; 20]).varint(), Err(Truncated(19)));
    }
}

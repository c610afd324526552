//! Amounts in Chinese capital numerals (人民币大写), as contracts and confirmations print them
//! beside the figures: 123456789 fen → 壹佰贰拾叁万肆仟伍佰陆拾柒元捌角玖分.

const DIGITS: [char; 10] = ['零', '壹', '贰', '叁', '肆', '伍', '陆', '柒', '捌', '玖'];
const PLACES: [&str; 4] = ["", "拾", "佰", "仟"];
const GROUPS: [&str; 4] = ["", "万", "亿", "万亿"];

/// The yuan part of an amount in capitals (without 元), e.g. 10001 → 壹万零壹.
fn yuan_capitals(mut yuan: u64) -> String {
    if yuan == 0 {
        return "零".into();
    }
    let mut groups = Vec::new();
    while yuan > 0 {
        groups.push(yuan % 10_000);
        yuan /= 10_000;
    }
    let mut out = String::new();
    let mut zero_pending = false;
    for (index, group) in groups.iter().enumerate().rev() {
        if *group == 0 {
            zero_pending = !out.is_empty();
            continue;
        }
        if *group < 1_000 && !out.is_empty() {
            zero_pending = true;
        }
        let mut started = false;
        for place in (0..4).rev() {
            let digit = (group / 10_u64.pow(place)) % 10;
            if digit == 0 {
                // A zero between digits of the group is read; trailing ones are not.
                if started && group % 10_u64.pow(place) != 0 {
                    zero_pending = true;
                }
                continue;
            }
            started = true;
            if zero_pending {
                out.push('零');
                zero_pending = false;
            }
            out.push(DIGITS[usize::try_from(digit).unwrap_or(0)]);
            out.push_str(PLACES[usize::try_from(place).unwrap_or(0)]);
        }
        out.push_str(GROUPS.get(index).copied().unwrap_or(""));
    }
    out
}

/// An amount in fen in capitals: 元, 角 and 分, 整 when no 分 follows; negative amounts get 负.
pub fn capitals(fen: i64) -> String {
    let sign = if fen < 0 { "负" } else { "" };
    let abs = fen.unsigned_abs();
    let (yuan, jiao, cents) = (abs / 100, (abs / 10) % 10, abs % 10);
    let mut out = String::from(sign);
    if yuan > 0 || (jiao == 0 && cents == 0) {
        out.push_str(&yuan_capitals(yuan));
        out.push('元');
    }
    if jiao > 0 {
        out.push(DIGITS[usize::try_from(jiao).unwrap_or(0)]);
        out.push('角');
    } else if cents > 0 && yuan > 0 {
        out.push('零');
    }
    if cents > 0 {
        out.push(DIGITS[usize::try_from(cents).unwrap_or(0)]);
        out.push('分');
    } else {
        out.push('整');
    }
    out
}

/// An amount in fen written in yuan with two decimals (`123456` → `1234.56`, `-5` → `-0.05`).
pub fn yuan(fen: i64) -> String {
    let sign = if fen < 0 { "-" } else { "" };
    let abs = fen.unsigned_abs();
    format!("{sign}{}.{:02}", abs / 100, abs % 100)
}

#[cfg(test)]
mod tests {
    use super::{capitals, yuan};

    #[test]
    fn yuan_has_two_decimals() {
        assert_eq!(yuan(123_456), "1234.56");
        assert_eq!(yuan(-5), "-0.05");
        assert_eq!(yuan(0), "0.00");
    }

    #[test]
    fn amounts_read_as_the_banks_write_them() {
        assert_eq!(capitals(0), "零元整");
        assert_eq!(capitals(100), "壹元整");
        assert_eq!(capitals(5), "伍分");
        assert_eq!(capitals(105), "壹元零伍分");
        assert_eq!(capitals(150), "壹元伍角整");
        assert_eq!(capitals(100_500), "壹仟零伍元整");
        assert_eq!(capitals(10_000_100), "壹拾万零壹元整");
        assert_eq!(capitals(10_500_000), "壹拾万伍仟元整");
        assert_eq!(capitals(100_000_000), "壹佰万元整");
        assert_eq!(capitals(123_456_789), "壹佰贰拾叁万肆仟伍佰陆拾柒元捌角玖分");
        assert_eq!(capitals(1_000_000_000_000), "壹佰亿元整");
        assert_eq!(capitals(10_000_010_000), "壹亿零壹佰元整");
        assert_eq!(capitals(-100), "负壹元整");
    }
}

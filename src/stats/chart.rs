//! SVG bar charts of the figures, drawn with plotters' SVG backend.
//!
//! plotters is built without its font features: text is written as SVG `<text>` elements
//! with a CJK-capable `font-family` list, so the viewer's fonts render the Chinese labels and
//! no font file is read or shipped. Layout uses plotters' built-in estimate of text width.

use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};

use super::contracts::ContractStats;
use super::funnel::FunnelStats;
use super::libraries::LibraryStats;
use crate::error::{ApiError, ApiResult};
use crate::listings::Library;

/// The fonts named in the SVG (the first one the viewer has is used).
const FONT: &str = "Noto Sans CJK SC, Source Han Sans SC, PingFang SC, Microsoft YaHei, sans-serif";

/// One series of bars.
#[derive(Debug, Clone)]
pub struct Series {
    /// Its name in the legend.
    pub name: String,
    /// Its colour.
    pub color: RGBColor,
    /// One value per category.
    pub values: Vec<f64>,
}

/// A bar chart: categories along the x axis, one bar per series in each.
#[derive(Debug, Clone, Default)]
pub struct BarChart {
    /// The title.
    pub title: String,
    /// What the figures cover: the period and the region (see [`basis_line`]).
    pub subtitle: String,
    /// Whether the values are counts: the axis then has whole-number steps only.
    pub counts: bool,
    /// What the y axis measures.
    pub y_label: String,
    /// Category labels.
    pub categories: Vec<String>,
    /// The series.
    pub series: Vec<Series>,
}

/// The period and region a chart covers, as its subtitle: `2025-01-01 至 2025-12-31 · 浙江省`.
pub fn basis_line(basis: &super::params::Basis) -> String {
    let from = basis.from.map_or_else(|| "开始".to_string(), |d| d.to_string());
    let to = basis.to.map_or_else(|| super::params::today().to_string(), |d| d.to_string());
    let region = basis.region_name.clone().unwrap_or_else(|| "全部地区".to_string());
    format!("{from} 至 {to} · {region}")
}

/// Periods (`YYYY-MM`, or `YYYY-Qn` when `quarterly`) from `first` to `last`, both included;
/// at most ten years of them.
fn periods_between(first: &str, last: &str, quarterly: bool) -> Vec<String> {
    let parse = |key: &str| -> Option<(i32, u32)> {
        let (year, rest) = key.split_once('-')?;
        let index = rest.trim_start_matches('Q').parse().ok()?;
        Some((year.parse().ok()?, index))
    };
    let (Some((mut year, mut index)), Some(end)) = (parse(first), parse(last)) else {
        return Vec::new();
    };
    let per_year: u32 = if quarterly { 4 } else { 12 };
    let mut out = Vec::new();
    while (year, index) <= end && out.len() < 10 * per_year as usize {
        out.push(if quarterly { format!("{year}-Q{index}") } else { format!("{year}-{index:02}") });
        index += 1;
        if index > per_year {
            index = 1;
            year += 1;
        }
    }
    out
}

/// The period key of a day (`2025-03` or `2025-Q1`).
fn period_of(day: chrono::NaiveDate, quarterly: bool) -> String {
    use chrono::Datelike;
    if quarterly {
        format!("{}-Q{}", day.year(), (day.month() - 1) / 3 + 1)
    } else {
        format!("{}-{:02}", day.year(), day.month())
    }
}

/// Time groups with the periods that had nothing filled in as zeros, from the period's start
/// (or the first group) to its end (or the last group): `keys` in time order, `values` one
/// list per series; answers the keys and the filled values.
pub fn zero_fill(
    keys: &[String],
    values: &[Vec<f64>],
    basis: &super::params::Basis,
    quarterly: bool,
) -> (Vec<String>, Vec<Vec<f64>>) {
    let first = basis.from.map(|d| period_of(d, quarterly)).or_else(|| keys.first().cloned());
    let last = basis.to.map(|d| period_of(d, quarterly)).or_else(|| keys.last().cloned());
    let (Some(first), Some(last)) = (first, last) else {
        return (keys.to_vec(), values.to_vec());
    };
    let first = keys.first().filter(|k| **k < first).cloned().unwrap_or(first);
    let last = keys.last().filter(|k| **k > last).cloned().unwrap_or(last);
    let all = periods_between(&first, &last, quarterly);
    if all.is_empty() {
        return (keys.to_vec(), values.to_vec());
    }
    let filled = values
        .iter()
        .map(|series| {
            all.iter()
                .map(|key| {
                    keys.iter()
                        .position(|k| k == key)
                        .and_then(|i| series.get(i))
                        .copied()
                        .unwrap_or(0.0)
                })
                .collect()
        })
        .collect();
    (all, filled)
}

/// The main series colour.
pub const BLUE_: RGBColor = RGBColor(47, 110, 186);
/// The comparison series colour.
pub const GREY_: RGBColor = RGBColor(170, 178, 189);
const PALETTE: [RGBColor; 4] =
    [BLUE_, RGBColor(230, 126, 34), RGBColor(39, 174, 96), RGBColor(142, 68, 173)];

fn failed<E: std::fmt::Debug>(error: E) -> ApiError {
    ApiError::Internal(format!("chart drawing: {error:?}"))
}

/// Draws a bar chart as an SVG document.
pub fn draw(chart: &BarChart) -> ApiResult<String> {
    let n = chart.categories.len().max(1);
    let width = u32::try_from((160 + 90 * n).clamp(640, 3200)).unwrap_or(3200);
    let height = 480;
    let max = chart.series.iter().flat_map(|s| s.values.iter().copied()).fold(0.0_f64, f64::max);
    let top = match (max > 0.0, chart.counts) {
        (false, _) => 1.0,
        (true, true) => (max * 1.15).ceil().max(max + 1.0),
        (true, false) => max * 1.15,
    };
    let caption = if chart.subtitle.is_empty() {
        chart.title.clone()
    } else {
        format!("{}  {}", chart.title, chart.subtitle)
    };
    let mut svg = String::new();
    {
        let root = SVGBackend::with_string(&mut svg, (width, height)).into_drawing_area();
        root.fill(&WHITE).map_err(failed)?;
        let mut plot = ChartBuilder::on(&root)
            .caption(&caption, (FONT, 20))
            .margin(16)
            .x_label_area_size(40)
            .y_label_area_size(80)
            .build_cartesian_2d(0f64..n as f64, 0f64..top)
            .map_err(failed)?;
        let decimals = if top < 10.0 && !chart.counts { 1 } else { 0 };
        let steps = if chart.counts { (top as usize).clamp(1, 10) + 1 } else { 10 };
        let whole = chart.counts;
        plot.configure_mesh()
            .disable_x_mesh()
            .x_labels(0)
            .y_labels(steps)
            .y_desc(chart.y_label.as_str())
            .y_label_formatter(&|v| {
                if whole && (v - v.round()).abs() > 1e-9 {
                    String::new()
                } else {
                    format!("{v:.decimals$}")
                }
            })
            .label_style((FONT, 12))
            .axis_desc_style((FONT, 14))
            .draw()
            .map_err(failed)?;
        let slot = 0.8 / chart.series.len().max(1) as f64;
        for (s, series) in chart.series.iter().enumerate() {
            let color = series.color;
            plot.draw_series(series.values.iter().enumerate().map(|(i, value)| {
                let x0 = i as f64 + 0.1 + s as f64 * slot;
                Rectangle::new([(x0, 0.0), (x0 + slot * 0.9, *value)], color.filled())
            }))
            .map_err(failed)?
            .label(series.name.as_str())
            .legend(move |(x, y)| Rectangle::new([(x, y - 5), (x + 12, y + 5)], color.filled()));
        }
        if let [series] = chart.series.as_slice() {
            // One series: each bar carries its value.
            let value_style = TextStyle::from((FONT, 12).into_font())
                .pos(Pos::new(HPos::Center, VPos::Bottom))
                .color(&BLACK);
            for (i, value) in series.values.iter().enumerate() {
                let (x, y) = plot.backend_coord(&(i as f64 + 0.5, *value));
                let text = format!("{value:.decimals$}");
                root.draw(&Text::new(text, (x, y - 4), value_style.clone())).map_err(failed)?;
            }
        }
        let label_style = TextStyle::from((FONT, 12).into_font())
            .pos(Pos::new(HPos::Center, VPos::Top))
            .color(&BLACK);
        for (i, category) in chart.categories.iter().enumerate() {
            let (x, y) = plot.backend_coord(&(i as f64 + 0.5, 0.0));
            root.draw(&Text::new(category.clone(), (x, y + 8), label_style.clone()))
                .map_err(failed)?;
        }
        if max <= 0.0 {
            let empty = TextStyle::from((FONT, 20).into_font())
                .pos(Pos::new(HPos::Center, VPos::Center))
                .color(&RGBColor(120, 120, 120));
            let (x, y) = plot.backend_coord(&(n as f64 / 2.0, 0.5));
            root.draw(&Text::new("暂无数据", (x, y), empty)).map_err(failed)?;
        }
        if chart.series.len() > 1 && max > 0.0 {
            plot.configure_series_labels()
                .position(SeriesLabelPosition::UpperRight)
                .background_style(WHITE.mix(0.85))
                .border_style(BLACK)
                .label_font((FONT, 12))
                .draw()
                .map_err(failed)?;
        }
        root.present().map_err(failed)?;
    }
    Ok(svg)
}

text_enum! {
    /// Which contract figure a chart shows.
    pub enum ContractMetric {
        /// 成交额, in 万元.
        Amount => "amount",
        /// 技术交易额, in 万元.
        TechnologyAmount => "technology_amount",
        /// The number of contracts.
        Count => "count",
    }
}

/// Fen to 万元.
fn wan_yuan(fen: i64) -> f64 {
    fen as f64 / 1_000_000.0
}

/// Contracts per group, with last year's figures beside this period's when there are any.
pub fn contracts(stats: &ContractStats, metric: ContractMetric) -> BarChart {
    let pick = |f: &super::contracts::ContractFigures| match metric {
        ContractMetric::Amount => wan_yuan(f.amount_fen),
        ContractMetric::TechnologyAmount => wan_yuan(f.technology_amount_fen),
        ContractMetric::Count => f.count as f64,
    };
    let (what, unit) = match metric {
        ContractMetric::Amount => ("技术合同成交额", "万元"),
        ContractMetric::TechnologyAmount => ("技术交易额", "万元"),
        ContractMetric::Count => ("登记技术合同数", "项"),
    };
    let by = match stats.group_by {
        super::contracts::ContractGroup::Type => "按合同类型",
        super::contracts::ContractGroup::TechnologyField => "按技术领域",
        super::contracts::ContractGroup::Region => "按卖方地区",
        super::contracts::ContractGroup::Month => "按月",
        super::contracts::ContractGroup::Quarter => "按季度",
        super::contracts::ContractGroup::BuyerKind => "按买方类型",
        super::contracts::ContractGroup::SellerKind => "按卖方类型",
    };
    let mut values = vec![stats.groups.iter().map(|g| pick(&g.current)).collect::<Vec<f64>>()];
    if stats.groups.iter().any(|g| g.previous.is_some()) {
        values.push(stats.groups.iter().map(|g| g.previous.as_ref().map_or(0.0, pick)).collect());
    }
    let quarterly = stats.group_by == super::contracts::ContractGroup::Quarter;
    let (categories, values) =
        if quarterly || stats.group_by == super::contracts::ContractGroup::Month {
            let keys: Vec<String> = stats.groups.iter().filter_map(|g| g.key.clone()).collect();
            let (keys, values) = zero_fill(&keys, &values, &stats.basis, quarterly);
            let label = if quarterly { super::labels::quarter } else { super::labels::month };
            (keys.iter().map(|k| label(k)).collect(), values)
        } else {
            (stats.groups.iter().map(|g| g.label.clone()).collect(), values)
        };
    let names = [("本期", BLUE_), ("上年同期", GREY_)];
    BarChart {
        title: format!("{what}（{by}）"),
        subtitle: basis_line(&stats.basis),
        counts: metric == ContractMetric::Count,
        y_label: format!("{what}（{unit}）"),
        categories,
        series: values
            .into_iter()
            .zip(names)
            .map(|(values, (name, color))| Series { name: name.into(), color, values })
            .collect(),
    }
}

/// The funnel's steps and the lost deals.
pub fn funnel(stats: &FunnelStats) -> BarChart {
    let mut categories: Vec<String> = stats
        .steps
        .iter()
        .map(|s| match s.conversion {
            Some(rate) => format!("{}（转化 {:.1}%）", s.label, rate * 100.0),
            None => s.label.clone(),
        })
        .collect();
    let mut values: Vec<f64> = stats.steps.iter().map(|s| s.count as f64).collect();
    categories.push("流失".into());
    values.push(stats.lost as f64);
    BarChart {
        title: "技术对接漏斗（按最远阶段）".into(),
        subtitle: basis_line(&stats.basis),
        counts: true,
        y_label: "对接数（项）".into(),
        categories,
        series: vec![Series { name: "对接".into(), color: BLUE_, values }],
    }
}

/// New listings per group, one series per library.
pub fn libraries(stats: &LibraryStats) -> BarChart {
    let names = [
        (Library::Achievements, "成果"),
        (Library::Demands, "需求"),
        (Library::Experts, "专家"),
        (Library::ServiceProviders, "服务机构"),
    ];
    let values: Vec<Vec<f64>> = names
        .iter()
        .map(|(library, _)| stats.groups.iter().map(|g| g.counts.of(*library) as f64).collect())
        .collect();
    let (categories, values) = if stats.group_by == super::libraries::LibraryGroup::Month {
        let keys: Vec<String> = stats.groups.iter().filter_map(|g| g.key.clone()).collect();
        let (keys, values) = zero_fill(&keys, &values, &stats.basis, false);
        (keys.iter().map(|k| super::labels::month(k)).collect(), values)
    } else {
        (stats.groups.iter().map(|g| g.label.clone()).collect(), values)
    };
    BarChart {
        title: "新增发布信息（四库）".into(),
        subtitle: basis_line(&stats.basis),
        counts: true,
        y_label: "新增条数".into(),
        categories,
        series: names
            .iter()
            .zip(PALETTE)
            .zip(values)
            .map(|(((_, name), color), values)| Series { name: (*name).to_string(), color, values })
            .collect(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn chinese_text_is_svg_text() {
        let svg = draw(&BarChart {
            title: "技术合同成交额（按合同类型）".into(),
            y_label: "万元".into(),
            categories: vec!["技术开发".into(), "技术转让 & 许可".into()],
            series: vec![
                Series { name: "本期".into(), color: BLUE_, values: vec![12.5, 3.0] },
                Series { name: "上年同期".into(), color: GREY_, values: vec![10.0, 0.0] },
            ],
            ..BarChart::default()
        })
        .unwrap();
        assert!(svg.starts_with("<svg"), "{svg}");
        for text in ["技术合同成交额（按合同类型）", "技术开发", "本期", "上年同期"]
        {
            assert!(svg.contains(&format!("{text}\n</text>")), "{text} missing");
        }
        assert!(svg.contains("技术转让 &amp; 许可"));
        assert!(svg.contains("<rect"));
    }

    #[test]
    fn empty_charts_say_so() {
        let svg = draw(&BarChart {
            title: "空".into(),
            subtitle: "2025-01-01 至 2025-12-31 · 浙江省".into(),
            y_label: "项".into(),
            counts: true,
            ..BarChart::default()
        })
        .unwrap();
        assert!(svg.contains("</svg>"));
        assert!(svg.contains("暂无数据"), "{svg}");
        assert!(svg.contains("2025-01-01 至 2025-12-31 · 浙江省"));
    }

    #[test]
    fn counts_have_whole_steps() {
        let svg = draw(&BarChart {
            title: "对接".into(),
            y_label: "项".into(),
            counts: true,
            categories: vec!["对接".into(), "意向".into()],
            series: vec![Series { name: "对接".into(), color: BLUE_, values: vec![3.0, 1.0] }],
            ..BarChart::default()
        })
        .unwrap();
        let texts: Vec<&str> = svg.lines().filter(|l| !l.starts_with('<')).collect();
        assert!(texts.iter().all(|t| !t.contains('.')), "whole steps only: {texts:?}");
        for step in ["0", "1", "2", "3"] {
            assert!(texts.contains(&step), "{step} missing from {texts:?}");
        }
    }

    #[test]
    fn empty_months_are_filled_with_zeros() {
        let basis = super::super::params::Basis {
            from: chrono::NaiveDate::from_ymd_opt(2025, 1, 1),
            to: chrono::NaiveDate::from_ymd_opt(2025, 4, 30),
            region: None,
            region_name: None,
            organization_id: None,
            broker_id: None,
        };
        let keys = vec!["2025-02".to_string(), "2025-04".to_string()];
        let (keys, values) = zero_fill(&keys, &[vec![2.0, 5.0]], &basis, false);
        assert_eq!(keys, ["2025-01", "2025-02", "2025-03", "2025-04"]);
        assert_eq!(values, vec![vec![0.0, 2.0, 0.0, 5.0]]);
        let (quarters, _) = zero_fill(&[], &[vec![]], &basis, true);
        assert_eq!(quarters, ["2025-Q1", "2025-Q2"]);
    }
}

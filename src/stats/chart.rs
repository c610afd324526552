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
#[derive(Debug, Clone)]
pub struct BarChart {
    /// The title.
    pub title: String,
    /// What the y axis measures.
    pub y_label: String,
    /// Category labels.
    pub categories: Vec<String>,
    /// The series.
    pub series: Vec<Series>,
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
    let top = if max > 0.0 { max * 1.15 } else { 1.0 };
    let mut svg = String::new();
    {
        let root = SVGBackend::with_string(&mut svg, (width, height)).into_drawing_area();
        root.fill(&WHITE).map_err(failed)?;
        let mut plot = ChartBuilder::on(&root)
            .caption(&chart.title, (FONT, 22))
            .margin(16)
            .x_label_area_size(40)
            .y_label_area_size(80)
            .build_cartesian_2d(0f64..n as f64, 0f64..top)
            .map_err(failed)?;
        let decimals = if top < 10.0 { 1 } else { 0 };
        plot.configure_mesh()
            .disable_x_mesh()
            .x_labels(0)
            .y_desc(chart.y_label.as_str())
            .y_label_formatter(&|v| format!("{v:.decimals$}"))
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
        if chart.series.len() > 1 {
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
    let mut series = vec![Series {
        name: "本期".into(),
        color: BLUE_,
        values: stats.groups.iter().map(|g| pick(&g.current)).collect(),
    }];
    if stats.groups.iter().any(|g| g.previous.is_some()) {
        series.push(Series {
            name: "上年同期".into(),
            color: GREY_,
            values: stats.groups.iter().map(|g| g.previous.as_ref().map_or(0.0, pick)).collect(),
        });
    }
    BarChart {
        title: format!("{what}（{by}）"),
        y_label: format!("{what}（{unit}）"),
        categories: stats.groups.iter().map(|g| g.label.clone()).collect(),
        series,
    }
}

/// The funnel's steps and the lost deals.
pub fn funnel(stats: &FunnelStats) -> BarChart {
    let mut categories: Vec<String> = stats.steps.iter().map(|s| s.label.clone()).collect();
    let mut values: Vec<f64> = stats.steps.iter().map(|s| s.count as f64).collect();
    categories.push("流失".into());
    values.push(stats.lost as f64);
    BarChart {
        title: "技术对接漏斗（按最远阶段）".into(),
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
    BarChart {
        title: "新增发布信息（四库）".into(),
        y_label: "新增条数".into(),
        categories: stats.groups.iter().map(|g| g.label.clone()).collect(),
        series: names
            .iter()
            .zip(PALETTE)
            .map(|((library, name), color)| Series {
                name: (*name).to_string(),
                color,
                values: stats.groups.iter().map(|g| g.counts.of(*library) as f64).collect(),
            })
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
    fn empty_charts_still_draw() {
        let svg = draw(&BarChart {
            title: "空".into(),
            y_label: "项".into(),
            categories: vec![],
            series: vec![],
        })
        .unwrap();
        assert!(svg.contains("</svg>"));
    }
}

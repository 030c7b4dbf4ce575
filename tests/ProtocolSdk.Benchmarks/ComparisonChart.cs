using System.Globalization;
using System.Net;
using System.Text;
using System.Text.RegularExpressions;

namespace ProtocolSdk.Benchmarks;

/// <summary>One chart panel: a bar per server kind for one measured figure.</summary>
internal sealed record ChartPanel(string Title, string Unit, bool LowerIsBetter, IReadOnlyList<(string Kind, double Value)> Bars);

/// <summary>
/// Draws the load comparison as an SVG bar chart (no dependencies: plain SVG text). The input is the Markdown the
/// <c>load</c> driver writes, so the chart can be drawn from a fresh run (<c>load --svg FILE</c>) or from the tables
/// already committed in docs/performance.md (<c>chart --from docs/performance.md --out FILE</c>): the chart always
/// shows exactly the figures of a table next to it.
/// </summary>
internal static partial class ComparisonChart
{
    [GeneratedRegex(@"^#{2,4} (?<title>(Echo|Memory)[^\n]*)$", RegexOptions.Multiline)]
    private static partial Regex TableHeading();

    /// <summary>Reads the echo tables (msgs/s) and the idle-memory table (bytes per connection) that follow their headings.</summary>
    public static IReadOnlyList<ChartPanel> FromMarkdown(string markdown)
    {
        var panels = new List<ChartPanel>();
        foreach (Match heading in TableHeading().Matches(markdown))
        {
            string title = heading.Groups["title"].Value.Trim();
            var rows = TableRows(markdown[(heading.Index + heading.Length)..]);
            if (rows.Count < 2) continue;
            bool memory = title.StartsWith("Memory", StringComparison.Ordinal);
            int column = Array.FindIndex(rows[0], h => memory ? h.StartsWith("bytes per connection", StringComparison.Ordinal) : h == "msgs/s");
            if (column < 0) continue;
            var bars = rows.Skip(1).Select(cells => (cells[0], double.Parse(cells[column], NumberStyles.Number, CultureInfo.InvariantCulture))).ToArray();
            panels.Add(new ChartPanel(
                memory ? "Memory per idle connection" : Regex.Replace(title, @"^Echo: ", ""), // the memory heading's details are in the table
                memory ? "bytes per idle connection" : "messages/s",
                LowerIsBetter: memory,
                bars));
        }
        return panels;
    }

    /// <summary>The rows of the first Markdown table in <paramref name="text"/> (header first, the --- row dropped).</summary>
    private static List<string[]> TableRows(string text)
    {
        var rows = new List<string[]>();
        foreach (string raw in text.Split('\n').SkipWhile(l => !l.StartsWith('|')))
        {
            string line = raw.Trim();
            if (!line.StartsWith('|')) break;
            var cells = line.Trim('|').Split('|').Select(c => c.Trim()).ToArray();
            if (cells.All(c => c.Trim(':').All(ch => ch == '-'))) continue;
            rows.Add(cells);
        }
        return rows;
    }

    public static string ToSvg(IReadOnlyList<ChartPanel> panels, string caption)
    {
        const int width = 860, labelWidth = 120, barMax = 470, barHeight = 22, gap = 6, panelGap = 26, titleHeight = 24;
        var c = CultureInfo.InvariantCulture;
        var body = new StringBuilder();
        int y = 40;
        foreach (var panel in panels)
        {
            string better = panel.LowerIsBetter ? "lower is better" : "higher is better";
            body.AppendLine(c, $"""  <text x="10" y="{y + 16}" class="title">{Escape(panel.Title)}: {Escape(panel.Unit)} ({better})</text>""");
            y += titleHeight;
            double max = panel.Bars.Max(b => b.Value);
            double reference = panel.Bars.FirstOrDefault(b => b.Kind == "kestrel").Value;
            foreach (var (kind, value) in panel.Bars)
            {
                double length = max > 0 ? value / max * barMax : 0;
                string ratio = reference > 0 && kind != "kestrel" ? string.Create(c, $"  ({value / reference:0.00}x Kestrel)") : "";
                body.AppendLine(c, $"""  <text x="{labelWidth - 8}" y="{y + 16}" class="label">{Escape(kind)}</text>""");
                body.AppendLine(c, $"""  <rect x="{labelWidth}" y="{y}" width="{length:0.#}" height="{barHeight}" class="bar-{CssName(kind)}"/>""");
                body.AppendLine(c, $"""  <text x="{labelWidth + length + 6:0.#}" y="{y + 16}" class="value">{value.ToString("N0", c)}{ratio}</text>""");
                y += barHeight + gap;
            }
            y += panelGap;
        }
        int height = y + 10;
        return $"""
            <svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" viewBox="0 0 {width} {height}" font-family="sans-serif" font-size="13">
              <style>
                .caption {"{"} font-size: 14px; font-weight: bold; {"}"}
                .title {"{"} font-weight: bold; {"}"}
                .label {"{"} text-anchor: end; {"}"}
                .value {"{"} fill: #222; {"}"}
                rect {"{"} fill: #9aa5b1; {"}"}
                .bar-sdk {"{"} fill: #2b6cb0; {"}"}
                .bar-sdk-policies {"{"} fill: #63b3ed; {"}"}
                .bar-kestrel {"{"} fill: #a0aec0; {"}"}
              </style>
              <rect x="0" y="0" width="{width}" height="{height}" style="fill: #ffffff"/>
              <text x="10" y="22" class="caption">{Escape(caption)}</text>
            {body}</svg>

            """;
    }

    private static string CssName(string kind) => Regex.Replace(kind.ToLowerInvariant(), "[^a-z0-9-]", "-");

    private static string Escape(string text) => WebUtility.HtmlEncode(text);

    /// <summary><c>chart --from FILE [--section HEADING] --out FILE.svg</c>: the chart of the tables in one section of a Markdown file.</summary>
    public static int Run(string[] args)
    {
        string? from = null, output = null, section = "## Results";
        for (int i = 0; i < args.Length; i++)
        {
            string Next() => i + 1 < args.Length ? args[++i] : throw new ArgumentException($"{args[i]} needs a value");
            switch (args[i])
            {
                case "--from": from = Next(); break;
                case "--out": output = Next(); break;
                case "--section": section = Next(); break;
                default: throw new ArgumentException($"unknown chart option {args[i]}");
            }
        }
        if (from is null || output is null) throw new ArgumentException("chart needs --from FILE and --out FILE.svg");
        string markdown = File.ReadAllText(from);
        int start = markdown.IndexOf("\n" + section, StringComparison.Ordinal);
        if (start < 0) throw new ArgumentException($"no heading starting with '{section}' in {from}");
        int level = section.TakeWhile(ch => ch == '#').Count();
        var next = Regex.Match(markdown[(start + 1 + section.Length)..], $@"^#{{1,{level}}} ", RegexOptions.Multiline);
        string body = next.Success ? markdown.Substring(start, 1 + section.Length + next.Index) : markdown[start..];
        string heading = body.TrimStart('\n').Split('\n')[0].TrimStart('#', ' ');
        var panels = FromMarkdown(body);
        if (panels.Count == 0) throw new ArgumentException($"no echo or memory table under '{section}' in {from}");
        File.WriteAllText(output, ToSvg(panels, $"ProtocolSdk vs Kestrel, loopback echo: {heading}"));
        Console.Error.WriteLine($"{panels.Count} panels from '{heading}' written to {output}");
        return 0;
    }
}

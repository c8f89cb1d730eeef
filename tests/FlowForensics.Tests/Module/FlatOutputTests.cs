using System.Globalization;
using System.Management.Automation;
using System.Net;
using System.Reflection;
using System.Xml.Linq;
using FlowForensics.Tests.Hosting;
using Xunit;

namespace FlowForensics.Tests.Module;

/// <summary>
/// Every output type of every exported cmdlet stays flat, so Export-Csv and ImportExcel's Export-Excel write it
/// without loss. Found by reflection over the cmdlets the module exports, so a cmdlet added later is covered with no
/// change here.
/// </summary>
/// <remarks>
/// Flat means public properties of string, a number, bool, an enum, DateTime, TimeSpan or IPAddress, or a nullable of
/// those. IPAddress counts as flat: Export-Csv writes its ToString() (<c>10.0.0.1</c>, <c>2001:db8::1</c>) and a cast
/// (<c>[ipaddress]$row.SrcAddr</c>) reads it back exactly. Types the module does not define are PowerShell's own
/// outputs, allowed by name below (FileInfo from -PassThru, as New-Item and Get-ChildItem write it).
/// </remarks>
public sealed class FlatOutputTests
{
    /// <summary>Framework types a cmdlet may output although they are not flat: what PowerShell's own file cmdlets write.</summary>
    private static readonly HashSet<Type> FrameworkOutputs = [typeof(FileInfo)];

    [Fact]
    public void Every_exported_cmdlet_declares_its_output_types()
    {
        var missing = ExportedCmdlets().Where(c => !c.Type.GetCustomAttributes<OutputTypeAttribute>().Any()).Select(c => c.Name).ToList();
        Assert.True(missing.Count == 0, "These cmdlets have no [OutputType]: " + string.Join(", ", missing));
    }

    [Fact]
    public void Every_output_type_has_only_flat_properties()
    {
        var problems = new List<string>();
        foreach (Type t in OutputTypes())
        {
            if (FrameworkOutputs.Contains(t)) continue;
            Assert.True(IsModuleType(t), $"{t.FullName} is an output type from outside the module and not in the allowed list; make a flat type for it.");
            foreach (PropertyInfo p in t.GetProperties(BindingFlags.Public | BindingFlags.Instance))
            {
                if (p.GetIndexParameters().Length == 0 && !IsFlat(p.PropertyType)) problems.Add($"{t.Name}.{p.Name} : {p.PropertyType}");
            }
        }
        Assert.True(problems.Count == 0,
            "Export-Csv/Export-Excel would lose data in these output properties (use string, numbers, bool, DateTime, TimeSpan, enum, IPAddress or nullable of those; join lists into a string and give a count): " +
            string.Join(", ", problems));
    }

    [Fact]
    public void The_types_named_by_the_format_files_are_flat_too()
    {
        foreach (string file in Directory.GetFiles(RepoPaths.ModuleFolder, "*.format.ps1xml"))
        {
            foreach (XElement typeName in XDocument.Load(file).Descendants("TypeName"))
            {
                // "Type#View" is PowerShell's convention for a view of a type's objects tagged with an extra type name
                string name = typeName.Value.Trim().Split('#')[0];
                Type? t = ModuleAssemblies().Select(a => a.GetType(name)).FirstOrDefault(x => x is not null);
                Assert.True(t is not null, $"{Path.GetFileName(file)} names type {typeName.Value}, which no module assembly defines.");
                var bad = t!.GetProperties(BindingFlags.Public | BindingFlags.Instance).Where(p => p.GetIndexParameters().Length == 0 && !IsFlat(p.PropertyType)).Select(p => p.Name).ToList();
                Assert.True(bad.Count == 0, $"{t.Name} has properties that are not flat: {string.Join(", ", bad)}");
            }
        }
    }

    /// <summary>
    /// Export-Csv writes each property of the PowerShell view of an object (the type's properties and the module's
    /// types.ps1xml aliases) as its ToString(); this checks that the text converts back (as ConvertFrom-Csv plus a cast
    /// would) to the same value. DateTime's ToString() has no fraction of a second, so times come back to the second;
    /// every other value comes back exactly.
    /// </summary>
    [Fact]
    public void A_CSV_round_trip_gives_every_property_back()
    {
        var culture = CultureInfo.CurrentCulture;
        CultureInfo.CurrentCulture = CultureInfo.InvariantCulture;
        try
        {
            using var s = PsSession.WithModule();
            var checkedTypes = new List<string>();
            var problems = new List<string>();
            foreach (Type t in OutputTypes().Where(t => !FrameworkOutputs.Contains(t)))
            {
                object instance = Sample(t);
                s.SetVariable("o", instance);
                var properties = s.Invoke("$o.PSObject.Properties").Select(p => (PSPropertyInfo)p.BaseObject).ToList();
                Assert.NotEmpty(properties);
                foreach (var p in properties)
                {
                    object? value = p.Value is PSObject pso ? pso.BaseObject : p.Value;
                    if (value is null) continue;
                    string text = value.ToString()!;                                       // what Export-Csv writes
                    object back = LanguagePrimitives.ConvertTo(text, value.GetType(), CultureInfo.InvariantCulture);   // [type]$row.Name
                    bool same = value is DateTime d ? d.Ticks / TimeSpan.TicksPerSecond == ((DateTime)back).Ticks / TimeSpan.TicksPerSecond : value.Equals(back);
                    if (!same) problems.Add($"{t.Name}.{p.Name}: {value} ({value.GetType().Name}) came back as {back}");
                }
                checkedTypes.Add(t.Name);
            }
            Assert.Contains("FlowRecord", checkedTypes);
            Assert.Contains("TopNRow", checkedTypes);
            Assert.True(problems.Count == 0, string.Join("\n", problems));
        }
        finally
        {
            CultureInfo.CurrentCulture = culture;
        }
    }

    private static List<(string Name, Type Type)> ExportedCmdlets()
    {
        using var s = PsSession.WithModule();
        var list = s.Invoke("Get-Command -Module FlowForensics -CommandType Cmdlet").Select(o => (CmdletInfo)o.BaseObject)
            .Select(c => (c.Name, c.ImplementingType)).ToList();
        Assert.NotEmpty(list);
        return list;
    }

    private static HashSet<Type> OutputTypes()
    {
        var types = new HashSet<Type>();
        foreach (var (_, cmdlet) in ExportedCmdlets())
        {
            foreach (OutputTypeAttribute o in cmdlet.GetCustomAttributes<OutputTypeAttribute>())
            {
                foreach (PSTypeName n in o.Type)
                {
                    Assert.True(n.Type is not null, $"{cmdlet.Name} declares output type '{n.Name}', which does not resolve to a .NET type.");
                    types.Add(n.Type!);
                }
            }
        }
        return types;
    }

    private static IEnumerable<Assembly> ModuleAssemblies() =>
        AppDomain.CurrentDomain.GetAssemblies().Where(a => a.GetName().Name is "FlowForensics" or "FlowForensics.PowerShell");

    private static bool IsModuleType(Type t) => t.Assembly.GetName().Name is "FlowForensics" or "FlowForensics.PowerShell";

    internal static bool IsFlat(Type t)
    {
        Type core = Nullable.GetUnderlyingType(t) ?? t;
        return core == typeof(string) || core == typeof(bool) || core.IsEnum || core == typeof(DateTime) || core == typeof(TimeSpan) ||
               core == typeof(IPAddress) || core == typeof(decimal) || core == typeof(double) || core == typeof(float) ||
               core == typeof(byte) || core == typeof(sbyte) || core == typeof(short) || core == typeof(ushort) ||
               core == typeof(int) || core == typeof(uint) || core == typeof(long) || core == typeof(ulong);
    }

    /// <summary>Output types that have no parameterless constructor, made as their cmdlet makes them.</summary>
    private static readonly Dictionary<Type, Func<object>> ConstructedSamples = new()
    {
        [typeof(FlowForensics.Analysis.Baselines.FlowBaselineSummary)] = static () =>
        {
            var builder = new FlowForensics.Analysis.Baselines.FlowBaselineBuilder(new FlowForensics.Analysis.Baselines.FlowBaselineOptions());
            var flow = new FlowForensics.Flows.FlowRecord
            {
                Start = new DateTime(2026, 1, 15, 9, 0, 0, DateTimeKind.Utc),
                End = new DateTime(2026, 1, 15, 9, 0, 5, DateTimeKind.Utc),
                SrcAddr = IPAddress.Parse("10.1.2.3"),
                DstAddr = IPAddress.Parse("198.51.100.7"),
                SrcPort = 50000,
                DstPort = 443,
                Protocol = 6,
                Packets = 10,
                Bytes = 5000,
            };
            builder.Add(flow);
            return new FlowForensics.Analysis.Baselines.FlowBaselineSummary(builder.Build(), "/evidence/base.json");
        },
    };

    /// <summary>An instance with a non-default value in every settable property (init-only ones too).</summary>
    private static object Sample(Type t)
    {
        object instance = (ConstructedSamples.TryGetValue(t, out var make) ? make() : Activator.CreateInstance(t))
            ?? throw new InvalidOperationException($"{t.Name} has no parameterless constructor; the test cannot make one.");
        foreach (PropertyInfo p in t.GetProperties(BindingFlags.Public | BindingFlags.Instance))
        {
            if (p.SetMethod is not { IsPublic: true } || p.GetIndexParameters().Length != 0) continue;
            object? value = SampleValue(Nullable.GetUnderlyingType(p.PropertyType) ?? p.PropertyType);
            if (value is not null) p.SetValue(instance, value);
        }
        return instance;
    }

    private static object? SampleValue(Type t)
    {
        if (t.IsEnum)
        {
            var values = Enum.GetValues(t).Cast<object>().Where(v => Convert.ToUInt64(v, CultureInfo.InvariantCulture) != 0).ToList();
            if (values.Count == 0) return null;
            if (t.IsDefined(typeof(FlagsAttribute)) && values.Count > 1)
                return Enum.ToObject(t, Convert.ToUInt64(values[0], CultureInfo.InvariantCulture) | Convert.ToUInt64(values[1], CultureInfo.InvariantCulture));
            return values[^1];
        }
        return t switch
        {
            _ when t == typeof(string) => "a, \"quoted\" value; with = sign",
            _ when t == typeof(bool) => true,
            _ when t == typeof(byte) => (byte)200,
            _ when t == typeof(sbyte) => (sbyte)-5,
            _ when t == typeof(short) => (short)-1234,
            _ when t == typeof(ushort) => (ushort)51234,
            _ when t == typeof(int) => -123456,
            _ when t == typeof(uint) => 4_000_000_000u,
            _ when t == typeof(long) => -9_000_000_000L,
            _ when t == typeof(ulong) => 18_000_000_000_000_000_000UL,
            _ when t == typeof(double) => 12.345678901234567,
            _ when t == typeof(float) => 1.25f,
            _ when t == typeof(decimal) => 12.5m,
            _ when t == typeof(DateTime) => new DateTime(2024, 1, 2, 3, 4, 5, 678, DateTimeKind.Utc),
            _ when t == typeof(TimeSpan) => new TimeSpan(1, 2, 3, 4, 567),
            _ when t == typeof(IPAddress) => IPAddress.Parse("2001:db8::1"),
            _ => null,
        };
    }
}

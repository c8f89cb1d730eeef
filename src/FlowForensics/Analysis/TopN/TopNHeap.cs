namespace FlowForensics.Analysis.TopN;

/// <summary>
/// Keeps the best <c>capacity</c> items seen: a min-heap whose root is the worst kept item, so each offer is
/// O(log N) and memory is O(N). "Better" is <c>comparer.Compare(a, b) &gt; 0</c>.
/// </summary>
internal sealed class TopNHeap<T>
{
    private readonly T[] _items;
    private readonly IComparer<T> _comparer;

    public TopNHeap(int capacity, IComparer<T> comparer)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(capacity, 1);
        _items = new T[capacity];
        _comparer = comparer;
    }

    public int Count { get; private set; }

    public void Offer(in T item)
    {
        if (Count < _items.Length)
        {
            _items[Count] = item;
            SiftUp(Count++);
        }
        else if (_comparer.Compare(item, _items[0]) > 0)
        {
            _items[0] = item;
            SiftDown(0);
        }
    }

    /// <summary>The kept items, best first.</summary>
    public T[] ToSortedArray()
    {
        var result = new T[Count];
        Array.Copy(_items, result, Count);
        Array.Sort(result, (a, b) => _comparer.Compare(b, a));
        return result;
    }

    private void SiftUp(int i)
    {
        while (i > 0)
        {
            int parent = (i - 1) / 2;
            if (_comparer.Compare(_items[i], _items[parent]) >= 0) return;
            (_items[i], _items[parent]) = (_items[parent], _items[i]);
            i = parent;
        }
    }

    private void SiftDown(int i)
    {
        while (true)
        {
            int left = 2 * i + 1, right = left + 1, smallest = i;
            if (left < Count && _comparer.Compare(_items[left], _items[smallest]) < 0) smallest = left;
            if (right < Count && _comparer.Compare(_items[right], _items[smallest]) < 0) smallest = right;
            if (smallest == i) return;
            (_items[i], _items[smallest]) = (_items[smallest], _items[i]);
            i = smallest;
        }
    }
}
